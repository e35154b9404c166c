import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { signDecision } from '../../src/signing/sign-decision';
import type { Config } from '../../src/domain/config/schema';
import { decisionMessage, type DecisionKind, type DecisionPayload } from '../../src/domain/decision-signature';
import { renderRolloutMarkdown } from '../../src/domain/rollout/report';
import { ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import { abortUpdate, approveUpdate, approveSignal, rolloutStatusQuery, type ApprovalRequest, type RolloutInput, type RolloutResult, type RolloutStatus } from '../../src/contracts/rollout';
import { rollbackInputFor, uniqueEnvironment } from '../support/rollback-sandbox';
import { BACKEND, CANDIDATE, rolloutInputFor, trafficOf } from '../support/rollout-sandbox';
import { signingKeys, useTimeSkippingRollouts } from '../support/time-skipping-rollouts';
import { tempDir } from '../support/worker';
import { registerRollout } from '../support/worker-config';

const TASK_QUEUE = 'signed-decisions-test';

const plan = `
environment: $ENV
serviceGroup: convex
steps:
  - name: canary
    percent: 10
    gates: [rollback]
    approval: { approvers: [Alice, bob] }
    bake: 1h
  - name: full
    percent: 100
    approval: { approvers: [alice] }
    bake: 1h
`;

describe('signed decisions (time-skipping test server, real activities, real ssh-keygen keys)', function () {
  // Real keys from the real ssh-keygen; alice, bob and carol are allowed signers, mallory is not.
  const { keys, allowedSignersFile } = signingKeys(tempDir('signers'), ['alice', 'bob', 'carol', 'mallory'], ['alice', 'bob', 'carol']);
  // The worker's own config: environments are added per test (each has its own traffic lock id).
  const config: Config = { environments: {} };
  const rollouts = useTimeSkippingRollouts(TASK_QUEUE, config, 'signed');

  /** A rollout in a new environment the worker's config declares (production, or a plain one). */
  async function start(production: boolean): Promise<{ h: WorkflowHandle; input: RolloutInput }> {
    const environment = uniqueEnvironment(production ? 'sp' : 'sn');
    const approvers = ['carol', 'alice', 'bob'];
    const confirmation = { confirmed: true, ticket: 'CHG-9', reason: 'release 1.4' };
    const input = rolloutInputFor(rollouts.sandbox, environment, plan, {
      production,
      productionApprovers: production ? approvers : [],
      ...(production ? { confirmation } : {}),
    });
    if (production) input.gates.rollback = { workflowType: ROLLBACK_WORKFLOW, input: rollbackInputFor(rollouts.sandbox, { mode: 'apply', environment, production: true, approvers, confirmation }) };
    // The worker's config declares the environment (production or not) and who may sign there.
    const request = registerRollout(config, input);
    config.environments[environment]!.signing = { allowedSignersFile, required: false };
    return { h: await rollouts.start(request), input };
  }

  const status = (h: WorkflowHandle): Promise<RolloutStatus> => h.query(rolloutStatusQuery);
  const { until } = rollouts;
  const waitingFor = (step: string) => (s: RolloutStatus) => s.phase === 'awaiting-approval' && s.currentStep === step;

  /** What `drillctl rollout approve --key` sends: the words, and a signature over the rollout's current challenge. */
  async function signed(h: WorkflowHandle, key: string, kind: DecisionKind, req: ApprovalRequest): Promise<ApprovalRequest> {
    const challenge = (await status(h)).decision;
    assert.ok(challenge, 'the status query exposes the challenge to sign');
    const payload: DecisionPayload = { ...challenge, decision: kind, reason: req.reason, ...(req.ticket ? { ticket: req.ticket } : {}) };
    return { ...req, signature: await signDecision(key, payload) };
  }

  async function refused(run: Promise<unknown>, expected: RegExp): Promise<void> {
    await assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(err.cause?.message ?? err.message, expected);
      return true;
    });
  }

  it('refuses a key not in allowed signers, and the initiator\'s own key whatever --as says', async () => {
    const { h } = await start(false);
    await until(h, 'canary waits', waitingFor('canary'));
    await refused(
      h.executeUpdate(approveUpdate, { args: [await signed(h, keys.mallory.key, 'approve', { step: 'canary', approver: 'alice', reason: 'looks fine' })] }),
      /signed by key SHA256:\S+, which .*allowed_signers does not allow to sign drillctl decisions/,
    );
    // carol started the rollout; typing --as bob does not make her key bob's.
    await refused(
      h.executeUpdate(approveUpdate, { args: [await signed(h, keys.carol.key, 'approve', { step: 'canary', approver: 'bob', reason: 'looks fine' })] }),
      /carol started this rollout and may not approve step "canary"/,
    );
    // A signature over other words (the reason edited after signing) does not verify either.
    const edited = { ...(await signed(h, keys.bob.key, 'approve', { step: 'canary', approver: 'bob', reason: 'looks fine' })), reason: 'ship it' };
    await refused(h.executeUpdate(approveUpdate, { args: [edited] }), /does not verify: the signature does not match the decision/);
    const s = await status(h);
    assert.equal(s.phase, 'awaiting-approval', 'nothing was applied');
    assert.deepEqual(s.approvals, []);
  });

  it('records the verified principal in history, status and report, never the typed name', async () => {
    const { h } = await start(false);
    await until(h, 'canary waits', waitingFor('canary'));
    // Typed --as mallory, signed with alice's key (through the real ssh-keygen): alice approved.
    const challenge = (await status(h)).decision!;
    const payload: DecisionPayload = { ...challenge, decision: 'approve', reason: 'canary healthy', ticket: 'CHG-1' };
    const signature = execFileSync('ssh-keygen', ['-q', '-Y', 'sign', '-f', keys.alice.key, '-n', 'drillctl'], { input: decisionMessage(payload) }).toString();
    const record = await h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'mallory', reason: 'canary healthy', ticket: 'CHG-1', signature }] });
    assert.equal(record.by, 'alice');
    assert.equal(record.signature, 'verified');
    assert.match(record.key ?? '', /^SHA256:/);
    const after = await status(h);
    assert.notEqual(after.decision!.nonce, challenge.nonce, 'the nonce is replaced once a decision is applied');
    assert.equal(after.approvals[0]!.by, 'alice');
    assert.ok(after.timeline.some((t) => t.event === 'approved' && t.by === 'alice'));

    // An unsigned decision is accepted here (not production) and says so.
    await until(h, 'full waits', waitingFor('full'));
    await h.executeUpdate(abortUpdate, { args: [{ by: 'dave', reason: 'testing unsigned' }] });
    const result: RolloutResult = await h.result().catch((err: { cause?: { details?: unknown[] } }) => err.cause?.details?.[0] as RolloutResult);
    assert.ok(result.timeline.some((t) => t.event === 'abort-requested' && t.by === 'dave (unsigned)'), JSON.stringify(result.timeline));
    assert.match(renderRolloutMarkdown(result), /canary: approved by alice \(signed, key SHA256:\S+\)/);

    // History: the Update's outcome carries the verified principal.
    const history = await h.fetchHistory();
    const outcomes = history.events!.filter((e) => e.workflowExecutionUpdateCompletedEventAttributes).map((e) => defaultPayloadConverter.fromPayload<{ by?: string }>(e.workflowExecutionUpdateCompletedEventAttributes!.outcome!.success!.payloads![0]!));
    assert.equal(outcomes[0]!.by, 'alice');
  });

  it('refuses a valid signed approval replayed onto another step or another rollout', async () => {
    const a = await start(false);
    await until(a.h, 'canary waits', waitingFor('canary'));
    const canary = await signed(a.h, keys.bob.key, 'approve', { step: 'canary', approver: 'bob', reason: 'canary healthy' });
    const b = await start(false);
    await until(b.h, 'canary waits', waitingFor('canary'));
    // Same words, same step name, same signer: but bound to rollout a's id, run and nonce.
    await refused(b.h.executeUpdate(approveUpdate, { args: [canary] }), /does not verify/);
    await a.h.executeUpdate(approveUpdate, { args: [canary] });
    // Applied once: the nonce moved on, so the same signature cannot approve again...
    await until(a.h, 'full waits', waitingFor('full'));
    await refused(a.h.executeUpdate(approveUpdate, { args: [{ ...canary, step: 'full' }] }), /does not verify/);
    // ...nor arrive through the Web UI's signal twin.
    await a.h.signal(approveSignal, { ...canary, step: 'full' });
    const s = await until(a.h, 'the signal is refused', (x) => x.timeline.some((t) => t.event === 'refused'));
    assert.match(s.timeline.find((t) => t.event === 'refused')!.detail, /does not verify/);
    assert.deepEqual(s.approvals.filter((x) => x.decision === 'approved').map((x) => x.step), ['canary']);
    assert.equal((await a.h.describe()).status.name, 'RUNNING', 'a refused signal changes nothing');
  });

  it('promotes a production rollout with approvers and a rollback gate when every decision is signed', async () => {
    const { h } = await start(true);
    await until(h, 'canary waits', waitingFor('canary'));
    // Production: the Web UI's unsigned signal and an unsigned Update are both refused.
    await refused(h.executeUpdate(approveUpdate, { args: [{ step: 'canary', approver: 'alice', reason: 'ok' }] }), /is production: decisions must be signed/);
    await h.signal(approveSignal, { step: 'canary', approver: 'alice', reason: 'ok' });
    await until(h, 'the signal is refused', (x) => x.timeline.some((t) => t.event === 'refused'));
    await h.executeUpdate(approveUpdate, { args: [await signed(h, keys.bob.key, 'approve', { step: 'canary', approver: 'bob', reason: 'canary healthy' })] });
    await until(h, 'full waits', waitingFor('full'));
    await h.executeUpdate(approveUpdate, { args: [await signed(h, keys.alice.key, 'approve', { step: 'full', approver: 'alice', reason: 'all good' })] });
    await until(h, 'finished', (s) => s.phase === 'completed');
    const result = (await h.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.deepEqual(result.gates.map((g) => [g.step, g.gate, g.status]).filter((g) => g[1] === 'rollback'), [['canary', 'rollback', 'passed']]);
    assert.deepEqual(result.approvals.map((a) => [a.step, a.by, a.signature]), [
      ['canary', 'bob', 'verified'],
      ['full', 'alice', 'verified'],
    ]);
    assert.equal(trafficOf(rollouts.sandbox, BACKEND)[0]!.revision, CANDIDATE[BACKEND]);
  });
});
