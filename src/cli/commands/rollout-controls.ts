import type { Command } from 'commander';
import type { ApprovalRequest } from '../../contracts/rollout';
import type { RolloutControls } from '../../client';
import type { ApprovalRecord, TimelineEntry, WindowOverrideRecord } from '../../domain/rollout/records';
import { withDrillClient, type GlobalOptions } from '../context';
import { actingIdentity } from '../identity';
import { proveDecision, signingKeyPath } from '../../signing/sign-decision';
import type { DecisionKind, DecisionProof } from '../../domain/decision-signature';
import { CliError, ExitCode } from '../errors';
import { emit } from '../output';
import { rolloutId } from './rollout-handle';

interface ControlFlags {
  group?: string;
  as?: string;
  step?: string;
  reason?: string;
  ticket?: string;
  bake?: string;
  key?: string;
}

/** The running rollout a control means, through the client; refusals come back from its Update validators (exit 1). */
async function send<R>(g: GlobalOptions, id: string | undefined, flags: ControlFlags, act: (rollout: RolloutControls) => Promise<R>): Promise<R> {
  const workflowId = rolloutId(g, id, flags.group);
  return withDrillClient(g, async (client) => act(await client.runningRollout(workflowId)));
}

/** The signature over the rollout's current challenge when a key is given (--key or $DRILLCTL_SIGNING_KEY). */
function prove(r: RolloutControls, f: ControlFlags, kind: DecisionKind): Promise<DecisionProof> {
  return proveDecision(f.key, async () => (await r.status()).decision, kind, { reason: f.reason ?? '', ...(f.ticket ? { ticket: f.ticket } : {}), ...(f.bake ? { bake: f.bake } : {}) });
}

const approval = (who: string, f: ControlFlags): ApprovalRequest => ({ step: f.step ?? '', approver: who, reason: f.reason ?? '', ...(f.ticket ? { ticket: f.ticket } : {}) });

function printApproval(g: GlobalOptions, r: ApprovalRecord): void {
  emit(r, { json: !!g.json }, (a) => `Step ${a.step} ${a.decision} by ${a.by}: ${a.reason}${a.ticket ? ` (ticket ${a.ticket})` : ''}`);
}

function printEntry(g: GlobalOptions, e: TimelineEntry): void {
  emit(e, { json: !!g.json }, (t) => `${t.event}${t.step ? ` [${t.step}]` : ''} by ${t.by}: ${t.detail}`);
}

export function registerRolloutControls(rollout: Command, global: () => GlobalOptions): void {
  const common = (c: Command): Command =>
    c.argument('[workflowId]', 'the rollout (default: the one on --group, or on the only group)').option('--group <name>', 'service group').option('--as <name>', 'who you are (default: $DRILLCTL_USER or your OS user); a signed decision records the key\'s principal instead')
      .option('--key <file>', 'sign the decision with this ed25519 key (default: $DRILLCTL_SIGNING_KEY); a .pub file signs through ssh-agent');

  common(rollout.command('approve').description('approve the step that waits, with a reason (recorded with your name)'))
    .requiredOption('--step <name>', 'the step you approve (refused unless it is the one waiting)')
    .option('--reason <text>', 'why it may proceed (required)')
    .option('--ticket <id>', 'change ticket')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printApproval(g, await send(g, id, f, async (r) => r.approve({ ...approval(actingIdentity(f.as), f), ...(await prove(r, f, 'approve')) })));
    });

  common(rollout.command('reject').description('reject the step that waits: the rollout aborts and restores stable traffic'))
    .requiredOption('--step <name>', 'the step you reject')
    .option('--reason <text>', 'why (required)')
    .option('--ticket <id>', 'incident or change ticket')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printApproval(g, await send(g, id, f, async (r) => r.reject({ ...approval(actingIdentity(f.as), f), ...(await prove(r, f, 'reject')) })));
    });

  common(rollout.command('pause').description('hold the bake clock and the next traffic change'))
    .option('--reason <text>', 'why')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printEntry(g, await send(g, id, f, async (r) => r.pause({ by: actingIdentity(f.as), ...(f.reason ? { reason: f.reason } : {}), ...(await prove(r, f, 'pause')) })));
    });

  common(rollout.command('resume').description('resume a paused rollout'))
    .option('--reason <text>', 'why')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printEntry(g, await send(g, id, f, async (r) => r.resume({ by: actingIdentity(f.as), ...(f.reason ? { reason: f.reason } : {}), ...(await prove(r, f, 'resume')) })));
    });

  common(rollout.command('abort').description('stop the rollout: stable traffic on every service, cohort hooks undone'))
    .option('--reason <text>', 'why (required)')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printEntry(g, await send(g, id, f, async (r) => r.abort({ by: actingIdentity(f.as), reason: f.reason ?? '', ...(await prove(r, f, 'abort')) })));
    });

  common(rollout.command('skip-bake').description("skip the rest of the current step's bake (the step's approvers only)"))
    .option('--step <name>', 'the step you mean (refused if the rollout has moved on)')
    .option('--reason <text>', 'why (required)')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printEntry(g, await send(g, id, f, async (r) => r.skipBake({ by: actingIdentity(f.as), reason: f.reason ?? '', ...(f.step ? { step: f.step } : {}), ...(await prove(r, f, 'skip-bake')) })));
    });

  common(rollout.command('set-bake').description("change the current step's bake (time already baked counts); the step's approvers only"))
    .requiredOption('--bake <duration>', 'the new bake, like 30m, 2h or 2d')
    .option('--step <name>', 'the step you mean (refused if the rollout has moved on)')
    .option('--reason <text>', 'why (required)')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      printEntry(g, await send(g, id, f, async (r) => r.setBake({ by: actingIdentity(f.as), bake: f.bake ?? '', reason: f.reason ?? '', ...(f.step ? { step: f.step } : {}), ...(await prove(r, f, 'set-bake')) })));
    });

  common(rollout.command('override-window').description("start the waiting step's traffic change although a change window is closed or a freeze holds (signed, with a reason; recorded)"))
    .option('--step <name>', 'the step you mean (refused if the rollout has moved on)')
    .option('--reason <text>', 'why it cannot wait (required)')
    .action(async (id: string | undefined, f: ControlFlags) => {
      const g = global();
      if (!signingKeyPath(f.key)) throw new CliError('an override of a change window must be signed', ExitCode.usage, 'pass --key FILE with your ed25519 key (or set DRILLCTL_SIGNING_KEY)');
      const record = await send(g, id, f, async (r) => r.overrideWindow({ by: actingIdentity(f.as), reason: f.reason ?? '', ...(f.step ? { step: f.step } : {}), ...(await prove(r, f, 'override-window')) }));
      emit(record, { json: !!g.json }, (o: WindowOverrideRecord) => `Change window overridden for step ${o.step} by ${o.by} (signed, key ${o.key}): ${o.reason}\n  it let through: ${o.overrode}`);
    });
}
