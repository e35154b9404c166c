import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { strictObject } from '../strict-object';

export const GateConfigSchema = strictObject({
  /** Who may attest the on-call docs; empty means anyone but the initiator (when forbidInitiator). */
  attesters: z.array(z.string().min(1)).default([]),
  forbidInitiator: z.boolean().default(true),
  attestationTimeoutSeconds: z.number().positive().max(DURATION_CAPS_MS.workflowWait / 1000, { message: `at most ${DURATION_CAPS_MS.workflowWait / 1000} seconds (90 days)` }).default(3600),
  /** The service group whose rollback the gate drills; defaults to the only group. */
  serviceGroup: z.string().optional(),
  /** Listed under "Remaining work" in every report of this environment. */
  remainingWork: z.array(z.string()).default([]),
});

export type GateConfig = z.infer<typeof GateConfigSchema>;
