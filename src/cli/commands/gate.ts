import type { Command } from 'commander';
import type { DrillClient } from '../../client';
import { renderReadinessMarkdown } from '../../domain/report/readiness';
import { type AttestationRecord, type ReadinessGateResult } from '../../contracts/readiness-gate';
import type * as GateSettings from '../../settings/gate';
import { callerConfig, withDrillClient, withRunClient, type GlobalOptions } from '../context';
import { refuseOnPreflightFailure } from './doctor';
import { ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { proveDecision } from '../../signing/sign-decision';
import { conclusionLine, emit, table } from '../output';
import { progressView, type ProgressView } from '../progress/live-view';
import { followRun } from '../progress/follow-run';
import { DETACH_HELP, printDetached } from '../run-drill';

export interface GateRun {
  workflowId: string;
  webUiUrl: string;
  result: ReadinessGateResult;
}

/** Refuses a gate the config cannot serve, or whose preflight fails, before anything starts. */
async function checkGate(g: GlobalOptions, initiator: string): Promise<void> {
  const caller = callerConfig(g);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('../../settings/gate') as typeof GateSettings).readinessGateSettings(caller.config, { environment: caller.environment, initiator });
  await refuseOnPreflightFailure(g, undefined, 'gate');
}

/**
 * Starts the gate and shows its progress (the drills it runs, live on a terminal) until it ends;
 * `whileRunning` acts on it meanwhile (the demo attests), writing what it does through the view.
 */
export async function runGate(g: GlobalOptions, initiator: string, whileRunning?: (client: DrillClient, workflowId: string, view: ProgressView) => Promise<void>): Promise<GateRun> {
  await checkGate(g, initiator);
  return withDrillClient(g, async (client, caller) => {
    const run = await client.startGate({ environment: caller.environment, initiator });
    if (!g.json) process.stderr.write(`started ${run.workflowId}\n  ${run.webUiUrl}\n`);
    const view = progressView(process.stderr, !!g.json);
    const acting = whileRunning ? whileRunning(client, run.workflowId, view) : Promise.resolve();
    const result = await followRun(client, run.workflowId, run.runId, view, Promise.all([run.result(), acting]).then(([r]) => r));
    return { workflowId: run.workflowId, webUiUrl: run.webUiUrl, result };
  });
}

export function printGate(run: GateRun, json: boolean): number {
  emit(run, { json }, (r) => [conclusionLine(r.result), renderReadinessMarkdown(r.result), `History: ${r.webUiUrl}`].filter(Boolean).join('\n'));
  return run.result.verdict === 'PASS' ? ExitCode.ok : ExitCode.failed;
}

/** Attests through the gate's Update; signed over the gate's current nonce when a key is given (or $DRILLCTL_SIGNING_KEY is set). */
export async function attest(client: DrillClient, workflowId: string, attester: string, reason: string, docs: string[], key?: string): Promise<AttestationRecord> {
  const gate = await client.runningGate(workflowId);
  const proof = await proveDecision(key, async () => (await gate.status()).decision, 'attest', { reason, docs });
  return gate.attest({ attester, reason, docs, ...proof });
}

export function registerGate(program: Command, global: () => GlobalOptions): void {
  const gate = program.command('gate').description('the readiness gate: every drill in order, an attestation, acceptance criteria and a report');
  gate
    .command('run')
    .description('run the readiness gate and print its report (waits for the attestation)')
    .option('--as <name>', 'who starts it (default: $DRILLCTL_USER or your OS user)')
    .option('--detach', DETACH_HELP)
    .action(async (o: { as?: string; detach?: boolean }) => {
      const g = global();
      if (o.detach) {
        await checkGate(g, actingIdentity(o.as));
        process.exitCode = await withDrillClient(g, async (client, caller) => printDetached(await client.startGate({ environment: caller.environment, initiator: actingIdentity(o.as) }), !!g.json));
        return;
      }
      process.exitCode = printGate(await runGate(g, actingIdentity(o.as)), !!g.json);
    });
  gate
    .command('attest')
    .description('attest that the on-call and escalation docs are current, for a running gate')
    .argument('<workflowId>')
    .option('--as <name>', 'who attests (default: $DRILLCTL_USER or your OS user); a signed attestation records the key\'s principal instead')
    .option('--key <file>', 'sign the attestation with this ed25519 key (default: $DRILLCTL_SIGNING_KEY); a .pub file signs through ssh-agent')
    .option('--reason <text>', 'what you checked (required)')
    .option('--doc <pathOrUrl...>', 'docs you reviewed')
    .action(async (workflowId: string, o: { as?: string; key?: string; reason?: string; doc?: string[] }) => {
      const g = global();
      const record = await withDrillClient(g, (client) => attest(client, workflowId, actingIdentity(o.as), o.reason ?? '', o.doc ?? [], o.key));
      emit(record, { json: !!g.json }, (r) => `Attested by ${r.attester}${r.signature === 'verified' ? ` (signed, key ${r.key})` : r.signature === 'unsigned' ? ' (unsigned)' : ''} at ${r.at}: ${r.reason}`);
    });
  gate
    .command('status')
    .description('where a running gate is: drills done, attestation state')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const g = global();
      const status = await withRunClient(g, (client) => client.gateStatus(workflowId));
      emit(status, { json: !!g.json }, (s) =>
        [`Phase: ${s.phase}${s.current ? ` (${s.current})` : ''}`, table(['drill', 'status', 'seconds', 'workflow'], s.steps.map((st) => [st.drill, st.status, st.seconds.toFixed(2), st.workflowId])), `Attestation: ${s.attestation.state}${s.attestation.attester ? ` by ${s.attestation.attester}` : ''}`].join('\n'),
      );
    });
}
