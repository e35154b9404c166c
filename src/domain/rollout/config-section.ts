import { z } from 'zod';
import { HttpUrlSchema } from '../http-url';
import { SecretRefSchema } from '../secret-ref';
import { strictObject } from '../strict-object';
import { HOOK_NAME, HookDefinitionSchema } from './hook-schema';

export const ENDPOINT_NAME = /^[a-z][a-z0-9-]*$/;

/** A Slack-compatible incoming webhook: a URL, or better (Slack webhook URLs are credentials) a secret reference. */
export const WebhookSchema = z.union([HttpUrlSchema, SecretRefSchema], { message: 'expected an http(s) URL or a secret reference (env:NAME, file:PATH, gcp:projects/...)' });

export const NotificationTargetSchema = strictObject({ webhook: WebhookSchema });

const Name = z.string().regex(HOOK_NAME, { message: 'expected a lowercase name (letters, digits, dashes; at most 40)' });

/**
 * An environment's rollout settings: everything a plan may refer to by name, so one plan fits
 * every environment and a plan never carries a command, a credential or a webhook of its own.
 */
export const RolloutConfigSchema = strictObject(
  {
    /** Base URLs plans use as `${endpoints.NAME}` (the metrics API). */
    endpoints: z.record(z.string().regex(ENDPOINT_NAME, { message: 'expected a lowercase endpoint name' }), HttpUrlSchema).default({}),
    /** Cohort hooks plans name in `steps[].hooks[].name`. */
    hooks: z.record(Name, HookDefinitionSchema).default({}),
    /** Notification targets plans name in `notify.target`. */
    notifications: z.record(Name, NotificationTargetSchema).default({}),
    /** The target notified when a plan names none. */
    notify: Name.optional(),
  },
  { notifyWebhook: 'declare the webhook under rollout.notifications.NAME.webhook and set rollout.notify: NAME' },
).superRefine((r, ctx) => {
  if (r.notify !== undefined && !r.notifications[r.notify]) {
    ctx.addIssue({ code: 'custom', path: ['notify'], message: `"${r.notify}" is not declared in rollout.notifications (known: ${Object.keys(r.notifications).join(', ') || 'none'})` });
  }
});

export type RolloutConfig = z.infer<typeof RolloutConfigSchema>;
