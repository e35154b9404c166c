import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../domain/config/schema';
import { DEFAULT_NOTIFY_TIMEOUT_SECONDS } from '../../domain/rollout/config-section';
import { webhookPayload, type RolloutNotification } from '../../domain/rollout/notification';
import { knownSecrets, redactedExcerpt } from '../redaction';
import { resolveSecret } from '../secrets';

export interface NotifyRequest {
  /** A notification target declared in the worker's config, under the notification's environment. */
  target: string;
  notification: RolloutNotification;
}

export interface NotifyOutcome {
  key: string;
  /** False when this key was delivered before (a retried activity or a replayed workflow). */
  sent: boolean;
}

export interface NotifyActivityDeps {
  dataDir: string;
  resolveSecret?: (ref: string) => Promise<string>;
  /** The worker's config: the only source of webhooks. Without one, every target is unknown. */
  config?: Config;
}

/**
 * The webhook (URL or secret reference) of a target the worker's config declares; a request that
 * brings its own webhook, or names a target the config lacks, fails before anything is sent.
 */
function declaredTarget(req: NotifyRequest, config: Config | undefined): { webhook: string; timeoutSeconds?: number } {
  const environment = req.notification.environment;
  if ('webhook' in req) throw ApplicationFailure.nonRetryable(`notification: the request carries its own webhook; this worker notifies only targets its config declares (environments.${environment}.rollout.notifications)`, 'NotificationTargetUnknown');
  const targets = config?.environments[environment]?.rollout.notifications ?? {};
  const target = targets[req.target];
  if (!target) throw ApplicationFailure.nonRetryable(`notification target "${req.target}" is not declared in environments.${environment}.rollout.notifications of this worker's config (known: ${Object.keys(targets).join(', ') || 'none'})`, 'NotificationTargetUnknown');
  return target;
}

export function sentMarkersDir(dataDir: string): string {
  return path.join(dataDir, 'notifications', 'sent');
}

function markerFile(dataDir: string, key: string): string {
  return path.join(sentMarkersDir(dataDir), `${createHash('sha256').update(key).digest('hex').slice(0, 32)}.json`);
}

async function exists(file: string): Promise<boolean> {
  return fs.access(file).then(
    () => true,
    () => false,
  );
}

/**
 * Rollout notifications to a Slack-compatible incoming webhook, once per state change: a change's
 * key is recorded after delivery and never sent again from this worker's data dir, and it travels
 * as the `Idempotency-Key` header so a receiver can drop the rare duplicate (a delivery whose
 * answer was lost).
 */
export function createNotifyActivities(deps: NotifyActivityDeps) {
  const resolve = deps.resolveSecret ?? resolveSecret;
  return {
    async notifyRollout(req: NotifyRequest): Promise<NotifyOutcome> {
      const { key } = req.notification;
      const marker = markerFile(deps.dataDir, key);
      if (await exists(marker)) return { key, sent: false };
      const target = declaredTarget(req, deps.config);
      const webhook = target.webhook;
      const timeoutSeconds = target.timeoutSeconds ?? DEFAULT_NOTIFY_TIMEOUT_SECONDS;
      const url = /^https?:\/\//.test(webhook) ? webhook : await resolve(webhook);
      // A secret reference may hold anything; only an http(s) URL is ever fetched.
      if (!/^https?:\/\//.test(url)) throw ApplicationFailure.nonRetryable(`notification target "${req.target}": ${webhook} does not hold an http(s) URL`, 'NotificationTargetUnknown');
      let res: Response;
      let body: string;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(webhookPayload(req.notification)),
          signal: AbortSignal.timeout(timeoutSeconds * 1000),
        });
        body = await res.text();
      } catch (err) {
        // The URL may be a secret: name the reference, never the resolved value.
        const shown = `"${req.target}" (${url === webhook ? new URL(url).origin : webhook})`;
        const e = err as Error & { cause?: Error };
        const why =
          e.name === 'TimeoutError'
            ? `did not answer within ${timeoutSeconds} s (environments.${req.notification.environment}.rollout.notifications.${req.target}.timeoutSeconds)`
            : `unreachable: ${e.cause?.message ?? e.message}`;
        throw ApplicationFailure.retryable(`webhook ${shown} ${why}`, 'NotificationFailed');
      }
      if (!res.ok) {
        const shown = `"${req.target}" (${url === webhook ? new URL(url).origin : webhook})`;
        const permanent = res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429;
        // A short excerpt says why (Slack answers `invalid_token`, `channel_not_found`); a whole
        // error page may echo the webhook URL or its path, which are the credential.
        const { pathname } = new URL(url);
        const excerpt = redactedExcerpt(body, knownSecrets([url, ...(pathname.length >= 8 ? [pathname] : [])]));
        throw ApplicationFailure.create({ message: `webhook ${shown} answered HTTP ${res.status}${excerpt ? `: ${excerpt}` : ''}`, type: 'NotificationFailed', nonRetryable: permanent });
      }
      await fs.mkdir(path.dirname(marker), { recursive: true });
      await fs.writeFile(marker, JSON.stringify({ key, notice: req.notification.notice, at: new Date().toISOString() }) + '\n');
      return { key, sent: true };
    },
  };
}
