import type { Config, EnvironmentConfig, ServiceGroupConfig } from '../domain/config/schema';
import { SettingsError, SettingsFailureType } from './errors';

export interface NamedEnvironment {
  name: string;
  env: EnvironmentConfig;
}

function known(names: string[]): string {
  return names.length ? names.join(', ') : '(none)';
}

/** The environment a request names, from the worker's config. */
export function environmentOf(config: Config, name: string): NamedEnvironment {
  const env = Object.hasOwn(config.environments, name) ? config.environments[name] : undefined;
  if (!env) {
    throw new SettingsError(SettingsFailureType.unknownName, `environment "${name}" is not declared in the worker's config; known: ${known(Object.keys(config.environments))}`, 'declare it in the config the worker runs with, or name one it has');
  }
  return { name, env };
}

/** The group a request names, or the environment's only one when it names none. */
export function serviceGroupOf(e: NamedEnvironment, group: string | undefined): { group: string; config: ServiceGroupConfig } {
  const groups = Object.keys(e.env.serviceGroups);
  const chosen = group ?? (groups.length === 1 ? groups[0] : undefined);
  if (!chosen) {
    throw groups.length
      ? new SettingsError(SettingsFailureType.unknownName, `environment "${e.name}" has several service groups; name one`, `pass --group with one of: ${groups.join(', ')}`)
      : new SettingsError(SettingsFailureType.notConfigured, `environment "${e.name}" has no serviceGroups`, 'add serviceGroups.<name>.services.<role>.service');
  }
  const config = Object.hasOwn(e.env.serviceGroups, chosen) ? e.env.serviceGroups[chosen] : undefined;
  if (!config) throw new SettingsError(SettingsFailureType.unknownName, `environment "${e.name}" has no service group "${chosen}" in the worker's config`, `use one of: ${known(groups)}`);
  return { group: chosen, config };
}

/** The environment's section a drill needs, or a NotConfigured error that says what to add. */
export function sectionOf<K extends keyof EnvironmentConfig>(e: NamedEnvironment, section: K, hint: string): NonNullable<EnvironmentConfig[K]> {
  const value = e.env[section];
  if (value === undefined || value === null) throw new SettingsError(SettingsFailureType.notConfigured, `environment "${e.name}" has no ${String(section)} section`, hint);
  return value as NonNullable<EnvironmentConfig[K]>;
}
