import { z } from 'zod';

/**
 * A secret is named, never inlined: `env:NAME`, `file:/path/to/file` or a Secret Manager version
 * `gcp:projects/P/secrets/S/versions/V`. It is resolved inside an activity (src/activities/secrets.ts)
 * so the value never reaches a workflow input, a result, history or a log line.
 */
export const SecretRefSchema = z
  .string()
  .regex(/^(env:[A-Za-z_][A-Za-z0-9_]*|file:.+|gcp:projects\/[^/]+\/secrets\/[^/]+(\/versions\/[^/]+)?)$/, {
    message: 'expected a secret reference: env:NAME, file:/path or gcp:projects/P/secrets/S[/versions/V] (never the secret itself)',
  });
export type SecretRef = z.infer<typeof SecretRefSchema>;
