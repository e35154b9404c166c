import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { ConfigSchema, type Config, type EnvironmentConfig } from './schema';

/** A config or plan that cannot be used; `issues` name the field path and what was expected. */
export class ConfigError extends Error {
  constructor(
    message: string,
    readonly source: string,
    readonly issues: string[] = [],
  ) {
    super(issues.length ? `${message}\n${issues.map((i) => `  - ${i}`).join('\n')}` : message);
    this.name = 'ConfigError';
  }
}

export function formatIssues(error: z.ZodError): string[] {
  return error.issues.flatMap((issue) => {
    const where = issue.path.length ? issue.path.map(String).join('.') : '(top level)';
    // strictObject (src/domain/strict-object.ts) words one line per unknown key.
    return issue.message.split('\n').map((message) => `${where}: ${message}`);
  });
}

/** Config and plan files are small; anything larger is refused before it is read or parsed. */
export const MAX_DOCUMENT_BYTES = 1024 * 1024;

/** Refuses a document over MAX_DOCUMENT_BYTES: its text, or a file's size before it is read. */
export function checkDocumentSize(document: string | number, source: string): void {
  // A string's length in UTF-16 units never exceeds its UTF-8 size, so only a short one needs encoding.
  const bytes = typeof document === 'number' ? document : document.length > MAX_DOCUMENT_BYTES ? document.length : new TextEncoder().encode(document).length;
  if (bytes > MAX_DOCUMENT_BYTES) throw new ConfigError(`${source} is ${bytes} bytes, over the ${MAX_DOCUMENT_BYTES}-byte (1 MiB) limit for config and plan files; is it the right file?`, source);
}

/** Parses YAML (JSON is YAML) and validates it against a schema, or throws ConfigError. */
export function parseDocument<S extends z.ZodType>(schema: S, text: string, source: string): z.infer<S> {
  checkDocumentSize(text, source);
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError(`${source} is not valid YAML or JSON: ${(err as Error).message}`, source);
  }
  const result = schema.safeParse(raw);
  if (!result.success) throw new ConfigError(`${source} is invalid:`, source, formatIssues(result.error));
  return result.data;
}

export function parseConfig(text: string, source: string): Config {
  return parseDocument(ConfigSchema, text, source);
}

export function selectEnvironment(config: Config, name: string | undefined, source: string): { name: string; env: EnvironmentConfig } {
  const names = Object.keys(config.environments);
  const chosen = name ?? config.defaultEnvironment ?? (names.length === 1 ? names[0] : undefined);
  if (!chosen) throw new ConfigError(`${source} defines several environments; pass --env with one of: ${names.join(', ')}`, source);
  const env = config.environments[chosen];
  if (!env) throw new ConfigError(`environment "${chosen}" is not defined in ${source}; known: ${names.join(', ')}`, source);
  return { name: chosen, env };
}
