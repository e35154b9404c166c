import { resolveSecret } from '../activities/secrets';
import type { EnvironmentConfig } from '../domain/config/schema';
import { SecretRefSchema } from '../domain/secret-ref';
import { errorText, fail, pass, type DoctorRow } from './row';

/** Every secret reference in an environment, with where it sits (`backup.source.adminKey`). */
export function secretReferences(env: unknown, at = ''): { path: string; ref: string }[] {
  if (typeof env === 'string') return /^(env|file|gcp):/.test(env) && SecretRefSchema.safeParse(env).success ? [{ path: at, ref: env }] : [];
  if (Array.isArray(env)) return env.flatMap((v, i) => secretReferences(v, `${at}[${i}]`));
  if (env && typeof env === 'object') return Object.entries(env).flatMap(([k, v]) => secretReferences(v, at ? `${at}.${k}` : k));
  return [];
}

/** Each reference resolves (the value is read and dropped, never printed). */
export async function secretChecks(env: EnvironmentConfig): Promise<DoctorRow[]> {
  const refs = secretReferences(env);
  return Promise.all(
    refs.map(async ({ path, ref }) => {
      try {
        await resolveSecret(ref);
        return pass(`secret ${path}`, `${ref} resolves`);
      } catch (err) {
        return fail(`secret ${path}`, errorText(err), `make ${ref} readable by the worker, or change ${path}`);
      }
    }),
  );
}
