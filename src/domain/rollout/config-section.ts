import { z } from 'zod';
import { HttpUrlSchema } from '../http-url';
import { SecretRefSchema } from '../secret-ref';
import { strictObject } from '../strict-object';
import { HOOK_NAME, HookDefinitionSchema } from './hook-schema';
import { MetricProvidersSchema } from './metric-provider-schema';

export const ENDPOINT_NAME = /^[a-z][a-z0-9-]*$/;

/** A Slack-compatible incoming webhook: a URL, or better (Slack webhook URLs are credentials) a secret reference. */
export const WebhookSchema = z.union([HttpUrlSchema, SecretRefSchema], { message: 'expected an http(s) URL or a secret reference (env:NAME, file:PATH, gcp:projects/...)' });

/** How long one delivery waits for the webhook's answer when the target sets none. */
export const DEFAULT_NOTIFY_TIMEOUT_SECONDS = 5;

export const NotificationTargetSchema = strictObject({
  webhook: WebhookSchema,
  /** One delivery gives up after this long without an answer (default 5): a silent webhook never holds a rollout for long. */
  timeoutSeconds: z.number().int().min(1).max(60).optional(),
});

const Name = z.string().regex(HOOK_NAME, { message: 'expected a lowercase name (letters, digits, dashes; at most 40)' });

/**
 * A base URL plans use as `${endpoints.NAME}`: a URL, or a URL with the credentials the worker
 * sends to it (a metrics API token). Only requests under this URL get them, so a plan can point
 * a metric anywhere but can never make the worker send a secret there.
 */
export const EndpointSchema = z
  .union([HttpUrlSchema, strictObject({ url: HttpUrlSchema, secretHeaders: z.record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'expected an HTTP header name' }), SecretRefSchema).default({}) })], {
    message: 'expected an http(s) URL, or { url, secretHeaders }',
  })
  .transform((e) => (typeof e === 'string' ? { url: e, secretHeaders: {} } : e));

/** The declared endpoint a URL falls under (same origin, path at or below the endpoint's), if any. */
export function endpointFor(url: string, endpoints: Record<string, Endpoint>): Endpoint | undefined {
  if (!URL.canParse(url)) return undefined;
  const target = new URL(url);
  return Object.values(endpoints).find((e) => {
    const base = new URL(e.url);
    const basePath = base.pathname.endsWith('/') ? base.pathname : `${base.pathname}/`;
    return base.origin === target.origin && (target.pathname === base.pathname || target.pathname.startsWith(basePath));
  });
}

/**
 * An environment's rollout settings: everything a plan may refer to by name, so one plan fits
 * every environment and a plan never carries a command, a credential or a webhook of its own.
 */
export const RolloutConfigSchema = strictObject(
  {
    /** Base URLs plans use as `${endpoints.NAME}` (the metrics API), with the credentials requests under them get. */
    endpoints: z.record(z.string().regex(ENDPOINT_NAME, { message: 'expected a lowercase endpoint name' }), EndpointSchema).default({}),
    /** Cohort hooks plans name in `steps[].hooks[].name`. */
    hooks: z.record(Name, HookDefinitionSchema).default({}),
    /** Notification targets plans name in `notify.target`. */
    notifications: z.record(Name, NotificationTargetSchema).default({}),
    /** The target notified when a plan names none. */
    notify: Name.optional(),
    /** Metrics systems plans read analysis from (`provider: NAME` on a metric check): Prometheus, Cloud Monitoring. */
    metricProviders: MetricProvidersSchema,
  },
  { notifyWebhook: 'declare the webhook under rollout.notifications.NAME.webhook and set rollout.notify: NAME' },
).superRefine((r, ctx) => {
  if (r.notify !== undefined && !r.notifications[r.notify]) {
    ctx.addIssue({ code: 'custom', path: ['notify'], message: `"${r.notify}" is not declared in rollout.notifications (known: ${Object.keys(r.notifications).join(', ') || 'none'})` });
  }
});

export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;
export type Endpoint = z.infer<typeof EndpointSchema>;
