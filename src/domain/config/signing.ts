import { z } from 'zod';
import { strictObject } from '../strict-object';

/**
 * Who may sign decisions in an environment. The worker verifies every signed approval, rejection,
 * abort, pause, resume, bake change and attestation against this file before applying it.
 */
export const SigningConfigSchema = strictObject({
  /** git's allowedSignersFile format: `principals [options] ssh-ed25519 KEY`; relative to the worker's working directory. */
  allowedSignersFile: z.string().min(1),
  /** Refuse unsigned decisions here too (a production environment always does). */
  required: z.boolean().default(false),
});

export type SigningConfig = z.infer<typeof SigningConfigSchema>;
