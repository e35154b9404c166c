import fs from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/common';
import { SecretFailure } from '../domain/failure-types';
import type { SecretRef } from '../domain/secret-ref';
import { accessSecretVersion } from './secret-manager';

/**
 * Resolves a secret reference inside an activity. The value is returned to the caller only, and
 * must never be logged, returned from an activity, or passed on a command line.
 */
export async function resolveSecret(ref: SecretRef): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const value = process.env[name];
    if (!value) throw ApplicationFailure.nonRetryable(`secret ${ref} is not set: export ${name} in the worker's environment`, SecretFailure.unavailable);
    return value.trim();
  }
  if (ref.startsWith('file:')) {
    const path = ref.slice(5);
    try {
      // Key generators may print more than one line (admin key, then system key): only the first counts.
      const first = (await fs.readFile(path, 'utf8')).split(/\r?\n/)[0]?.trim();
      if (!first) throw new Error('file is empty');
      return first;
    } catch (err) {
      throw ApplicationFailure.nonRetryable(`secret ${ref} cannot be read: ${(err as Error).message}`, SecretFailure.unavailable);
    }
  }
  if (ref.startsWith('gcp:')) return accessSecretVersion(ref);
  throw ApplicationFailure.nonRetryable(`secret reference ${ref} has an unknown scheme: use env:NAME, file:PATH or gcp:projects/P/secrets/S/versions/V`, SecretFailure.unavailable);
}
