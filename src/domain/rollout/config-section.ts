import { z } from 'zod';

export const WEBHOOK_PATTERN = /^(https?:\/\/.+|env:[A-Za-z_][A-Za-z0-9_]*|file:.+)$/;
export const ENDPOINT_NAME = /^[a-z][a-z0-9-]*$/;

/** An environment's rollout settings: what a plan may refer to by name, so one plan fits every environment. */
export const RolloutConfigSchema = z.object({
  /** Base URLs plans use as `${endpoints.NAME}` (the cohort flag service, the metrics API). */
  endpoints: z.record(z.string().regex(ENDPOINT_NAME, { message: 'expected a lowercase endpoint name' }), z.url({ message: 'expected an absolute http(s) URL' })).default({}),
  /** Where notifications go when a plan names no webhook: a URL, or better a secret reference (env:NAME, file:PATH). */
  notifyWebhook: z.string().regex(WEBHOOK_PATTERN, { message: 'expected an http(s) URL or a secret reference (env:NAME, file:PATH)' }).optional(),
});

export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;
