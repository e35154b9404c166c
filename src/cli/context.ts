import fs from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import type * as ConfigParse from '../domain/config/parse';
import type { EnvironmentConfig } from '../domain/config/schema';
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

export const SANDBOX_CONFIG_FILE = path.join('sandbox', 'config.yaml');

/** --config, then DRILLCTL_CONFIG, then ./drillctl.yaml, then the config `drillctl sandbox up` wrote. */
export function configPath(opts: GlobalOptions): string {
  if (opts.config) return path.resolve(opts.config);
  if (process.env.DRILLCTL_CONFIG) return path.resolve(process.env.DRILLCTL_CONFIG);
  if (fs.existsSync('drillctl.yaml')) return path.resolve('drillctl.yaml');
  const sandbox = path.join(dataDir(), SANDBOX_CONFIG_FILE);
  if (fs.existsSync(sandbox)) return sandbox;
  throw new (configParse().ConfigError)('no config file: pass --config FILE, set DRILLCTL_CONFIG, create ./drillctl.yaml, or run `drillctl up` to use the sandbox', '(none)');
}

export interface LoadedEnvironment {
  name: string;
  env: EnvironmentConfig;
  source: string;
}

export function loadEnvironment(opts: GlobalOptions): LoadedEnvironment {
  const source = configPath(opts);
  const { ConfigError, parseConfig, selectEnvironment } = configParse();
  let text: string;
  try {
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, source);
  }
  const { name, env } = selectEnvironment(parseConfig(text, source), opts.env, source);
  return { name, env, source };
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
