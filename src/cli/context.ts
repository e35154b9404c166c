import fs from 'node:fs';
import type { Client } from '@temporalio/client';
import type * as ClientModule from '../client';
import type * as ConfigFile from '../config-file';
import type * as ConfigParse from '../domain/config/parse';
import type { Config, EnvironmentConfig } from '../domain/config/schema';
import { connectClient, resolveTemporalTarget, type TemporalTarget } from '../temporal/connection';
import { webUiUrlFromEnv } from '../temporal/web-ui';
import { dataDir } from './data-dir';

/** Options every command accepts (declared once on the root program). */
export interface GlobalOptions {
  config?: string;
  env?: string;
  address?: string;
  namespace?: string;
  json?: boolean;
}

/**
 * The config parser, loaded on first use: its schema (zod) and YAML parser cost about 90 ms of a
 * cold start, and `--help` or a command given a workflow id never reads the config.
 */
export function configParse(): typeof ConfigParse {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../domain/config/parse') as typeof ConfigParse;
}

function configFiles(): typeof ConfigFile {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('../config-file') as typeof ConfigFile;
}

/** --config, then DRILLCTL_CONFIG, then ./drillctl.yaml, then the config `drillctl sandbox up` wrote. */
export function configPath(opts: GlobalOptions): string {
  return configFiles().locateConfigFile(opts.config, dataDir());
}

export interface LoadedEnvironment {
  name: string;
  env: EnvironmentConfig;
  source: string;
}

export function loadEnvironment(opts: GlobalOptions): LoadedEnvironment {
  const source = configPath(opts);
  const { name, env } = configParse().selectEnvironment(configFiles().readConfigFile(source), opts.env, source);
  return { name, env, source };
}

/** The caller's copy of the config: the environment a command means, and early refusals. */
export interface CallerConfig {
  config: Config;
  source: string;
  environment: string;
}

export function callerConfig(opts: GlobalOptions): CallerConfig {
  const source = configPath(opts);
  const config = configFiles().readConfigFile(source);
  const { name } = configParse().selectEnvironment(config, opts.env, source);
  return { config, source, environment: name };
}

/** A DrillClient that checks requests against the caller's config before starting anything. */
export async function withDrillClient<T>(opts: GlobalOptions, fn: (client: ClientModule.DrillClient, caller: CallerConfig) => Promise<T>): Promise<T> {
  const caller = callerConfig(opts);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DrillClient } = require('../client') as typeof ClientModule;
  const client = await DrillClient.connect(temporalTarget(opts), caller.config);
  try {
    return await fn(client, caller);
  } finally {
    await client.close();
  }
}

/** A DrillClient for commands that name a run by id: they need no config file (one is read for the Web UI link when present). */
export async function withRunClient<T>(opts: GlobalOptions, fn: (client: ClientModule.DrillClient) => Promise<T>): Promise<T> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { DrillClient } = require('../client') as typeof ClientModule;
  const client = await DrillClient.connect(temporalTarget(opts));
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

/**
 * `temporal.uiUrl` from the config file, when there is one. A config that does not parse is
 * reported by the commands that use it; a Web UI link then falls back to its default.
 */
function configuredUiUrl(opts: GlobalOptions): string | undefined {
  if (webUiUrlFromEnv()) return undefined; // the environment wins; no need to read the file
  try {
    const source = configPath(opts);
    const text = fs.readFileSync(source, 'utf8');
    // Most configs have none: skip loading the schema (a cold-start cost) for them.
    return text.includes('uiUrl') ? configParse().parseConfig(text, source).temporal?.uiUrl : undefined;
  } catch {
    return undefined;
  }
}

export function temporalTarget(opts: GlobalOptions): TemporalTarget {
  return resolveTemporalTarget({ address: opts.address, namespace: opts.namespace, uiUrl: configuredUiUrl(opts) });
}

export async function withClient<T>(opts: GlobalOptions, fn: (client: Client, target: TemporalTarget) => Promise<T>): Promise<T> {
  const target = temporalTarget(opts);
  const client = await connectClient(target);
  try {
    return await fn(client, target);
  } finally {
    await client.connection.close();
  }
}
