/** State changes that need a person; each sends one message. */
export type RolloutNotice = 'awaiting-approval' | 'approval-timeout' | 'change-window' | 'aborted' | 'compensated' | 'compensation-stuck' | 'restore-stuck' | 'finished';

export interface RolloutNotification {
  /** Idempotency key: the same change never produces two messages. */
  key: string;
  notice: RolloutNotice;
  environment: string;
  group: string;
  workflowId: string;
  step?: string;
  /** One or two sentences: what happened and what to do. */
  text: string;
  webUiUrl?: string;
}

const HEADLINE: Record<RolloutNotice, string> = {
  'awaiting-approval': ':raised_hand: Rollout waiting for approval',
  'approval-timeout': ':hourglass: Rollout approval timed out',
  'change-window': ':no_entry: Rollout waiting for the change window',
  aborted: ':octagonal_sign: Rollout aborted',
  compensated: ':leftwards_arrow_with_hook: Rollout compensated: stable traffic restored',
  'compensation-stuck': ':rotating_light: Rollout compensation is FAILING',
  'restore-stuck': ':rotating_light: Rollback drill cannot restore traffic',
  finished: ':white_check_mark: Rollout finished',
};

/** Slack's mrkdwn escaping for text we did not write ourselves. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * A Slack-compatible incoming-webhook payload: `text` alone says everything (other chat tools read
 * only that), `blocks` lay it out for Slack.
 */
export function webhookPayload(n: RolloutNotification): { text: string; blocks: object[] } {
  const where = `${n.environment} / ${n.group}${n.step ? `, step ${n.step}` : ''}`;
  const link = n.webUiUrl ? ` <${n.webUiUrl}|Open in Temporal Web UI>` : '';
  const text = `${HEADLINE[n.notice]} (${escape(where)}): ${escape(n.text)}${link}`;
  return {
    text,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: `*${HEADLINE[n.notice]}*\n${escape(n.text)}` } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `*Environment:* ${escape(n.environment)}` },
          { type: 'mrkdwn', text: `*Group:* ${escape(n.group)}` },
          ...(n.step ? [{ type: 'mrkdwn', text: `*Step:* ${escape(n.step)}` }] : []),
          { type: 'mrkdwn', text: n.webUiUrl ? `<${n.webUiUrl}|${escape(n.workflowId)}>` : escape(n.workflowId) },
        ],
      },
    ],
  };
}
