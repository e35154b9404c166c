import { refuseOnPreflightFailure } from './doctor';
import type { Command } from 'commander';
import type { Client } from '@temporalio/client';
import { renderReadinessMarkdown } from '../../domain/report/readiness';
import { TASK_QUEUE } from '../../temporal/task-queue';
import { workflowHistoryUrl } from '../../temporal/web-ui';
import {
  attestDocsUpdate,
  gateStatusQuery,
  READINESS_GATE_WORKFLOW,
  type AttestationRecord,
  type ReadinessGateInput,
  type ReadinessGateResult,
} from '../../shared/readiness-gate';
import { healthInput } from './drill-health';
import { backupRestoreInputIfConfigured } from './drill-backup-restore';
import { replayInput } from './drill-replay';
import { rollbackDrillInput } from './drill-rollback';
import { loadEnvironment, withClient, type GlobalOptions } from '../context';
import { drillSearchAttributes } from '../drill-kinds';
import { CliError, ExitCode } from '../errors';
import { actingIdentity } from '../identity';
import { proveDecision } from '../signing';
import { emit, table } from '../output';

export function gateWorkflowId(environment: string, group: string, at: Date): string {
  return `gate-${environment}-${group}-${at.toISOString().replace(/[:.]/g, '').toLowerCase()}`;
}

/** The gate's input from the config: every drill built exactly as `drillctl drill <kind>` builds it. */
export function gateInput(g: GlobalOptions, initiator: string): ReadinessGateInput {
  const { name, env, source } = loadEnvironment(g);
  const groups = Object.keys(env.serviceGroups);
  const group = env.gate.serviceGroup ?? (groups.length === 1 ? groups[0] : undefined) ?? (groups.length === 0 ? 'default' : undefined);
  if (!group) throw new CliError(`environment "${name}" in ${source} has several service groups`, ExitCode.usage, `set gate.serviceGroup to one of: ${groups.join(', ')}`);
  return {
    environment: name,
    group,
    initiator,
    scope: env.cloudRun ? `${env.cloudRun.project}/${env.cloudRun.region}` : name,
    rtoTargetSeconds: env.rollback.rtoTargetSeconds,
    drills: {
      health: healthInput(g),
      backupRestore: backupRestoreInputIfConfigured(g),
      replay: env.replay ? replayInput(g) : undefined,
      rollback: env.cloudRun && groups.length ? rollbackDrillInput(g, { group, apply: true }) : undefined,
    },
    rollbackWorkflowId: `traffic-${name}-${group}`,
    attestation: { attesters: env.gate.attesters, forbidInitiator: env.gate.forbidInitiator, timeoutSeconds: env.gate.attestationTimeoutSeconds, onTimeout: 'fail' },
    remainingWork: env.gate.remainingWork,
  };
}

export interface GateRun {
  workflowId: string;
  webUiUrl: string;
  result: ReadinessGateResult;
}

/** Starts the gate; `whileRunning` may act on it (the demo attests) before the result is awaited. */
export async function runGate(g: GlobalOptions, initiator: string, whileRunning?: (client: Client, workflowId: string) => Promise<void>): Promise<GateRun> {
  const input = gateInput(g, initiator);
  await refuseOnPreflightFailure(g, undefined, 'gate');
  return withClient(g, async (client, target) => {
    const handle = await client.workflow.start(READINESS_GATE_WORKFLOW, {
      taskQueue: TASK_QUEUE,
      workflowId: gateWorkflowId(input.environment, input.group, new Date()),
      args: [input],
      staticSummary: `Readiness gate on **${input.environment}** / ${input.group}`,
      staticDetails: `Health, backup/restore, replay and rollback drills, then on-call docs attestation.\nRTO target: ${input.rtoTargetSeconds} s\nStarted by: ${initiator}`,
      typedSearchAttributes: drillSearchAttributes('readiness-gate', input.environment, input.group),
      workflowIdConflictPolicy: 'FAIL',
    });
    const webUiUrl = workflowHistoryUrl(target, handle.workflowId, handle.firstExecutionRunId);
    if (!g.json) process.stderr.write(`started ${handle.workflowId}\n  ${webUiUrl}\n`);
    if (whileRunning) await whileRunning(client, handle.workflowId);
    const result = (await handle.result()) as ReadinessGateResult;
    return { workflowId: handle.workflowId, webUiUrl, result };
  });
}

export function printGate(run: GateRun, json: boolean): number {
  emit(run, { json }, (r) => `${renderReadinessMarkdown(r.result)}\nHistory: ${r.webUiUrl}`);
  return run.result.verdict === 'PASS' ? ExitCode.ok : ExitCode.failed;
}

/** Attests through the gate's Update; signed over the gate's current nonce when a key is given (or $DRILLCTL_SIGNING_KEY is set). */
export async function attest(client: Client, workflowId: string, attester: string, reason: string, docs: string[], key?: string): Promise<AttestationRecord> {
  const handle = client.workflow.getHandle(workflowId);
  const { status, type } = await handle.describe();
  if (type !== READINESS_GATE_WORKFLOW) throw new CliError(`${workflowId} is a ${type} workflow, not a readiness gate`, ExitCode.usage);
  if (status.name !== 'RUNNING') {
    throw new CliError(`refused: gate ${workflowId} has already finished (${status.name.toLowerCase()}); its attestation window is closed`, ExitCode.failed, 'start a new gate with `drillctl gate run`');
  }
  const proof = await proveDecision(key, async () => (await handle.query(gateStatusQuery)).decision, 'attest', { reason, docs });
  return handle.executeUpdate(attestDocsUpdate, { args: [{ attester, reason, docs, ...proof }] });
}

export function registerGate(program: Command, global: () => GlobalOptions): void {
  const gate = program.command('gate').description('the readiness gate: every drill in order, an attestation, acceptance criteria and a report');
  gate
    .command('run')
    .description('run the readiness gate and print its report (waits for the attestation)')
    .option('--as <name>', 'who starts it (default: $DRILLCTL_USER or your OS user)')
    .action(async (o: { as?: string }) => {
      const g = global();
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
      const record = await withClient(g, (client) => attest(client, workflowId, actingIdentity(o.as), o.reason ?? '', o.doc ?? [], o.key));
      emit(record, { json: !!g.json }, (r) => `Attested by ${r.attester}${r.signature === 'verified' ? ` (signed, key ${r.key})` : r.signature === 'unsigned' ? ' (unsigned)' : ''} at ${r.at}: ${r.reason}`);
    });
  gate
    .command('status')
    .description('where a running gate is: drills done, attestation state')
    .argument('<workflowId>')
    .action(async (workflowId: string) => {
      const g = global();
      const status = await withClient(g, (client) => client.workflow.getHandle(workflowId).query(gateStatusQuery));
      emit(status, { json: !!g.json }, (s) =>
        [`Phase: ${s.phase}${s.current ? ` (${s.current})` : ''}`, table(['drill', 'status', 'seconds', 'workflow'], s.steps.map((st) => [st.drill, st.status, st.seconds.toFixed(2), st.workflowId])), `Attestation: ${s.attestation.state}${s.attestation.attester ? ` by ${s.attestation.attester}` : ''}`].join('\n'),
      );
    });
}
