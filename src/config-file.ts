import fs from 'node:fs';
import path from 'node:path';
import { checkDocumentSize, ConfigError, parseConfig } from './domain/config/parse';
import type { Config } from './domain/config/schema';

/** Where `drillctl sandbox up` writes the config that points at its stand-ins, inside the data folder. */
export const SANDBOX_CONFIG_FILE = path.join('sandbox', 'config.yaml');

/**
 * The config file a process uses: the explicit one (`--config`), then `$DRILLCTL_CONFIG`, then
 * `./drillctl.yaml`, then the sandbox's. The worker and the CLI find it the same way, but only the
 * worker's copy is the authority: every URL, secret reference, command and the production flag a
 * workflow uses is resolved from the worker's config.
 */
export function locateConfigFile(explicit: string | undefined, dataDir: string): string {
  if (explicit) return path.resolve(explicit);
  if (process.env.DRILLCTL_CONFIG) return path.resolve(process.env.DRILLCTL_CONFIG);
  if (fs.existsSync('drillctl.yaml')) return path.resolve('drillctl.yaml');
  const sandbox = path.join(dataDir, SANDBOX_CONFIG_FILE);
  if (fs.existsSync(sandbox)) return sandbox;
  throw new ConfigError('no config file: pass --config FILE, set DRILLCTL_CONFIG, create ./drillctl.yaml, or run `drillctl up` to use the sandbox', '(none)');
}

/** A config or plan file's text; one over 1 MiB is refused by its size, before it is read. */
export function readConfigText(file: string, what = 'config file'): string {
  try {
    checkDocumentSize(fs.statSync(file).size, file);
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`cannot read ${what} ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, file);
  }
}

/** Reads and validates a config file, or throws ConfigError naming every bad field. */
export function readConfigFile(file: string): Config {
  return parseConfig(readConfigText(file), file);
}
