import { z } from 'zod';

export const GateConfigSchema = z.object({
  /** Who may attest the on-call docs; empty means anyone but the initiator (when forbidInitiator). */
  attesters: z.array(z.string().min(1)).default([]),
  forbidInitiator: z.boolean().default(true),
  attestationTimeoutSeconds: z.number().positive().default(3600),
  /** The service group whose rollback the gate drills; defaults to the only group. */
  serviceGroup: z.string().optional(),
  /** Listed under "Remaining work" in every report of this environment. */
  remainingWork: z.array(z.string()).default([]),
});

export type GateConfig = z.infer<typeof GateConfigSchema>;
