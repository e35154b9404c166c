import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { webhookPayload, type RolloutNotification } from '../../domain/rollout/notification';
import { knownSecrets, redactedExcerpt } from '../redaction';
import { resolveSecret } from '../secrets';

export interface NotifyRequest {
  /** The webhook URL, or a secret reference to it (Slack webhook URLs are credentials). */
  webhook: string;
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
      const url = /^https?:\/\//.test(req.webhook) ? req.webhook : await resolve(req.webhook as never);
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify(webhookPayload(req.notification)),
          signal: AbortSignal.timeout(10_000),
        });
      } catch (err) {
        // The URL may be a secret: name the reference, never the resolved value.
        const shown = url === req.webhook ? new URL(url).origin : req.webhook;
        throw ApplicationFailure.retryable(`webhook ${shown} unreachable: ${(err as Error & { cause?: Error }).cause?.message ?? (err as Error).message}`, 'NotificationFailed');
      }
      const body = await res.text();
      if (!res.ok) {
        const shown = url === req.webhook ? new URL(url).origin : req.webhook;
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
