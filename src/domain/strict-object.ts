import { z } from 'zod';
import { nearestName } from './nearest-name';

/** Why a key that used to be valid is refused, and where its content belongs now. */
export type MovedKeys = Record<string, string>;

/** What an unknown key is told: the nearest valid key, or what replaced it, or the valid keys. */
export function unknownKeyMessage(key: string, known: readonly string[], moved: MovedKeys = {}): string {
  if (Object.hasOwn(moved, key)) return `"${key}" is not allowed here: ${moved[key]}`;
  const near = nearestName(key, known);
  return near ? `unknown key "${key}"; did you mean "${near}"?` : `unknown key "${key}"; expected one of: ${known.join(', ')}`;
}

/**
 * An object schema that refuses unknown keys, naming each one and the nearest valid key. A typo
 * must never be silently dropped: `Production: true` stripped as unknown once made a production
 * environment look like a non-production one.
 */
export function strictObject<T extends z.core.$ZodLooseShape>(shape: T, moved: MovedKeys = {}) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'unrecognized_keys' ? issue.keys.map((k) => unknownKeyMessage(k, known, moved)).join('\n') : undefined),
  });
}
