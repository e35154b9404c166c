import {
  ChildWorkflowFailure,
  condition,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { childResult, failRun } from './plumbing/failure-result';
import { failureSummary, FAILURES_ARE_RESULTS_PATCH, restorationSentence, RUN_FAILED, type RunChange } from '../contracts/run-conclusion';
import { attestationRefusal, type AttestationRequest } from '../domain/attestation';
import { describeIdentity, type DecisionIdentity, type DecisionPayload } from '../domain/decision-signature';
import { drillName, evaluateCriteria } from '../domain/acceptance';
import { DrillEnvironment, DrillKind, DrillOutcome, DrillServiceGroup, DrillStep } from '../temporal/search-attributes';
import {
  attestDocsSignal,
  attestDocsUpdate,
  GATE_DRILLS,
  GATE_DRILL_WORKFLOWS,
  gateStatusQuery,
  type AttestationRecord,
  type GateDrill,
  type GateDrillRequests,
  type GateDrillResults,
  type GateStep,
  type ReadinessGateRequest,
  type ReadinessGateInput,
  type ReadinessGateResult,
  type ReadinessGateStatus,
} from '../contracts/readiness-gate';
import { challengeFor, DecisionRefusal, establishIdentity, newNonce, signedDecisions } from './decisions';
import { causeMessage } from './plumbing/cause-message';
import { executeDrill } from './plumbing/drill-child';

const { writeGateReport } = proxyActivities<Activities>({ startToCloseTimeout: '1 minute', retry: { maximumAttempts: 5 } });

/**
 * The whole G7 readiness gate (docs/origins.md): baseline health, then the backup/restore, replay and rollback drills
 * as child workflows, then a named person attests that the on-call docs are current, then the
 * acceptance criteria and the report. Every figure in the report comes from this workflow's result.
 */
export async function readinessGate(request: ReadinessGateRequest): Promise<ReadinessGateResult> {
  // Status is answered from the start: resolving the settings is a local activity, which may span
  // workflow tasks on a busy worker, and `drillctl gate status` may ask meanwhile.
  setHandler(gateStatusQuery, () => ({ phase: 'drills', steps: [], attestation: { state: 'not-yet-asked', timeoutSeconds: 0, onTimeout: 'fail' } }));
  const input = await fromWorkerConfig<ReadinessGateInput>(request, () => settings.resolveReadinessGate(request));
  const { workflowId } = workflowInfo();
  const startedAt = Date.now();
  const steps: GateStep[] = [];
  const status: ReadinessGateStatus = {
    phase: 'drills',
    steps,
    attestation: { state: 'not-yet-asked', timeoutSeconds: input.attestation.timeoutSeconds, onTimeout: input.attestation.onTimeout },
  };

  const accept = (req: AttestationRequest, identity?: DecisionIdentity): AttestationRecord => {
    status.attestation = {
      ...status.attestation,
      state: 'attested',
      attester: req.attester,
      reason: req.reason,
      docs: req.docs ?? [],
      at: new Date().toISOString(),
      ...(identity ? { signature: identity.signed ? 'verified' : 'unsigned', ...(identity.key ? { key: identity.key } : {}) } : {}),
    };
    return status.attestation;
  };
  const refusal = (req: AttestationRequest, identityPending = false): string | undefined => attestationRefusal(req, input.attestation, status.attestation.state, input.initiator, identityPending);

  // Attestations are signed over a nonce this gate issues (see ./decisions); the worker verifies them.
  let nonce = newNonce();
  const attestSigned = async (req: AttestationRequest): Promise<AttestationRecord> => {
    const early = refusal(req, !!req.signature);
    if (early) throw new DecisionRefusal(early);
    const payload: DecisionPayload = { ...challengeFor('attestation', nonce), decision: 'attest', reason: req.reason ?? '', ...(req.docs?.length ? { docs: req.docs } : {}) };
    const identity = await establishIdentity(input.environment, payload, req.signature, req.attester);
    if (nonce !== payload.nonce) throw new DecisionRefusal('another attestation was applied while this one was checked');
    const verified = { ...req, attester: identity.principal };
    const why = refusal(verified);
    if (why) throw new DecisionRefusal(why);
    nonce = newNonce();
    const record = accept(verified, identity);
    log.info(`docs attested by ${describeIdentity(identity)}`);
    return record;
  };
  setHandler(
    attestDocsUpdate,
    async (req) => {
      if (!signedDecisions()) return accept(req);
      try {
        return await attestSigned(req);
      } catch (err) {
        if (err instanceof DecisionRefusal) throw err.toFailure();
        throw err;
      }
    },
    {
      validator: (req) => {
        const why = refusal(req, !!req.signature);
        if (why) throw new Error(why);
      },
      description: 'Attest that the on-call and escalation docs are current (attester, reason, docs, signature)',
    },
  );
  setHandler(attestDocsSignal, async (req) => {
    if (!signedDecisions()) {
      const why = refusal(req);
      if (why) log.warn(`attestation signal refused: ${why}`, { attester: req.attester });
      else accept(req);
      return;
    }
    try {
      await attestSigned(req);
    } catch (err) {
      const refusalOf = DecisionRefusal.fromSignal(err);
      if (!refusalOf) throw err;
      log.warn(`attestation signal refused: ${refusalOf.message}`, { attester: req.attester });
    }
  });
  setHandler(gateStatusQuery, () => ({ ...status, decision: challengeFor('attestation', nonce) }));

  upsertSearchAttributes([
    { key: DrillKind, value: 'readiness-gate' },
    { key: DrillEnvironment, value: input.environment },
    { key: DrillServiceGroup, value: input.group },
  ]);

  for (const drill of GATE_DRILLS) {
    status.current = drill;
    const drillRequest = input.drills[drill];
    const workflowType = GATE_DRILL_WORKFLOWS[drill];
    if (drillRequest === undefined) {
      steps.push({ drill, workflowType, status: 'not-configured', seconds: 0, error: `no ${drillName(drill)} section in the environment's config` });
      continue;
    }
    if (drill !== 'health' && steps[0]?.status !== 'passed') {
      steps.push({ drill, workflowType, status: 'skipped', seconds: 0, error: 'baseline health did not pass' });
      continue;
    }
    upsertSearchAttributes([{ key: DrillStep, value: drill }]);
    setCurrentDetails(`Running the **${drillName(drill)}** drill (${steps.length + 1} of ${GATE_DRILLS.length})`);
    steps.push(await runDrill(drill, drillRequest, workflowId, input));
  }

  status.phase = 'attestation';
  status.current = undefined;
  upsertSearchAttributes([{ key: DrillStep, value: 'attestation' }]);
  if (status.attestation.state !== 'attested') {
    status.attestation = { ...status.attestation, state: 'waiting' };
    const who = input.attestation.attesters.length ? input.attestation.attesters.join(', ') : 'any on-call engineer';
    setCurrentDetails(
      `Waiting up to ${input.attestation.timeoutSeconds} s for **${who}** to attest the on-call and escalation docs:\n\n` +
        `\`drillctl gate attest ${workflowId} --as NAME --reason "..."\``,
    );
    const attested = await condition(() => status.attestation.state === 'attested', input.attestation.timeoutSeconds * 1000);
    if (!attested) status.attestation = { ...status.attestation, state: 'timed-out' };
  }

  const criteria = evaluateCriteria(input.environment, steps, status.attestation, input.rtoTargetSeconds);
  const verdict = criteria.every((c) => c.status === 'PASS') ? 'PASS' : 'FAIL';
  const failed = criteria.filter((c) => c.status === 'FAIL').map((c) => `Not met, to fix: ${c.text} (${c.detail}).`);
  const result: ReadinessGateResult = {
    workflowId,
    environment: input.environment,
    group: input.group,
    scope: input.scope,
    initiator: input.initiator,
    startedAt: new Date(startedAt).toISOString(),
    finishedAt: new Date().toISOString(),
    totalSeconds: (Date.now() - startedAt) / 1000,
    rtoTargetSeconds: input.rtoTargetSeconds,
    steps,
    attestation: status.attestation,
    criteria,
    remainingWork: [...failed, ...input.remainingWork],
    verdict,
  };
  // What the drills changed, each as its drill reported it (a failed drill reports it in its failure).
  const changes: RunChange[] = steps.flatMap((st) => (st.result?.conclusion?.changes ?? []).map((c) => ({ ...c, what: `${drillName(st.drill)}: ${c.what}` })));
  const causes = criteria.filter((c) => c.status === 'FAIL').map((c) => ({ type: `Criterion:${c.id}`, message: `${c.text}: ${c.detail}` }));
  result.conclusion = {
    summary: verdict === 'PASS' ? `Readiness gate passed: every criterion met. ${restorationSentence(changes)}` : failureSummary('Readiness gate', causes.slice(0, 1), `${causes.length} of ${criteria.length} criteria not met. ${restorationSentence(changes)}`),
    ...(verdict === 'FAIL' ? { failedAt: criteria.find((c) => c.status === 'FAIL')!.id } : {}),
    causes,
    changes,
    restored: changes.every((c) => c.undone !== false),
  };
  status.phase = 'done';
  upsertSearchAttributes([{ key: DrillOutcome, value: verdict }, { key: DrillStep, value: 'done' }]);
  setCurrentDetails(`Readiness gate **${verdict}**: ${criteria.map((c) => `${c.id} ${c.status}`).join(', ')}`);
  await writeGateReport(result);
  if (verdict === 'FAIL' && patched(FAILURES_ARE_RESULTS_PATCH)) return failRun(RUN_FAILED.gate, result);
  return result;
}

async function runDrill<D extends GateDrill>(drill: D, request: GateDrillRequests[D], gateId: string, input: ReadinessGateInput): Promise<GateStep<D>> {
  const workflowType = GATE_DRILL_WORKFLOWS[drill];
  const childId = drill === 'rollback' ? input.rollbackWorkflowId : `${gateId}-${drill}`;
  const t0 = Date.now();
  try {
    const result = await executeDrill(drill, request, {
      workflowId: childId,
      staticSummary: `${drillName(drill)} drill for readiness gate ${gateId}`,
      // A drill that changes traffic must finish its own compensation even if the gate is cancelled.
      parentClosePolicy: 'REQUEST_CANCEL',
    });
    return { drill, workflowType, workflowId: childId, status: result.verdict === 'PASS' ? 'passed' : 'failed', seconds: (Date.now() - t0) / 1000, result, error: result.verdict === 'PASS' ? undefined : `${drillName(drill)} verdict FAIL` };
  } catch (err) {
    if (!(err instanceof ChildWorkflowFailure) && !(err instanceof Error && err.name === 'WorkflowExecutionAlreadyStartedError')) throw err;
    // A drill whose verdict is FAIL fails with its whole result in the failure's details.
    const result = childResult<GateDrillResults[D]>(err);
    return { drill, workflowType, workflowId: childId, status: 'failed', seconds: (Date.now() - t0) / 1000, ...(result ? { result } : {}), error: result?.conclusion?.summary ?? causeMessage(err) };
  }
}
