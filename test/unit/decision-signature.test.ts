import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { verifyDecisionWith } from '../../src/activities/decisions/verify-decision';
import { signDecision } from '../../src/signing/sign-decision';
import { attestationRefusal } from '../../src/domain/attestation';
import { EnvironmentSchema, type Config } from '../../src/domain/config/schema';
import { decisionMessage, type DecisionPayload } from '../../src/domain/decision-signature';
import { approvalRefusal, type ControlContext } from '../../src/domain/rollout/controls';
import { productionGuardProblem } from '../../src/domain/traffic/production-guard';
import { tempDir } from '../support/worker';

const payload: DecisionPayload = { workflowId: 'traffic-prod-convex', runId: 'run-1', step: 'canary', decision: 'approve', reason: 'canary clean', nonce: 'n-1', ticket: 'CHG-7' };

describe('signed decisions: the payload and who counts as whom', () => {
  it('signs one canonical text that names everything the decision binds to', () => {
    assert.equal(
      decisionMessage(payload),
      '{"decision":"approve","drillctlDecision":1,"nonce":"n-1","reason":"canary clean","runId":"run-1","step":"canary","ticket":"CHG-7","workflowId":"traffic-prod-convex"}',
    );
    assert.equal(decisionMessage({ ...payload, ticket: undefined }), decisionMessage({ ...payload, ticket: '' }), 'an absent and an empty ticket sign alike');
  });

  it('compares principals trimmed and case-insensitively: " Carol" is the initiator carol', () => {
    const ctx: ControlContext = { phase: 'awaiting-approval', currentStep: 'canary', initiator: 'carol', paused: false, policy: { required: true, approvers: ['Alice', 'carol'], allowInitiator: false, onTimeout: 'abort' } as never };
    assert.match(approvalRefusal({ step: 'canary', approver: ' Carol', reason: 'mine' }, ctx) ?? '', /started this rollout and may not approve/);
    assert.equal(approvalRefusal({ step: 'canary', approver: 'alice ', reason: 'ok' }, ctx), undefined);
    // A signed request waits for its verified principal before the identity checks run.
    assert.equal(approvalRefusal({ step: 'canary', approver: 'carol', reason: 'ok', signature: 'x' }, { ...ctx, identityPending: true }), undefined);
    const policy = { attesters: ['Dana'], forbidInitiator: true, timeoutSeconds: 60, onTimeout: 'fail' as const };
    assert.match(attestationRefusal({ attester: 'CAROL', reason: 'read it' }, policy, 'waiting', 'carol') ?? '', /started this gate/);
    assert.equal(attestationRefusal({ attester: ' dana', reason: 'read it' }, policy, 'waiting', 'carol'), undefined);
    assert.equal(productionGuardProblem({ environment: 'prod', production: true, changesTraffic: true, confirmation: { confirmed: true, ticket: 'T', reason: 'r' }, requestedBy: 'Carol ', approvers: ['carol'] }), undefined);
  });
});

describe('signed decisions: the worker checks them against its own config', () => {
  const dir = tempDir('verify');
  const key = path.join(dir, 'alice');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key]);
  const allowedSignersFile = path.join(dir, 'allowed_signers');
  fs.writeFileSync(allowedSignersFile, `alice@example.com,alice ${fs.readFileSync(`${key}.pub`, 'utf8')}`);
  const config: Config = {
    environments: {
      prod: EnvironmentSchema.parse({ production: true, signing: { allowedSignersFile } }),
      staging: EnvironmentSchema.parse({ production: false }),
      strict: EnvironmentSchema.parse({ production: false, signing: { allowedSignersFile, required: true } }),
    },
  };
  const refusal = async (run: Promise<unknown>, expected: RegExp): Promise<void> => {
    await assert.rejects(run, (err: unknown) => err instanceof ApplicationFailure && err.type === 'DecisionRefused' && err.nonRetryable && expected.test(err.message));
  };

  it('names the verified principal, picking among the key\'s principals only by the typed name', async () => {
    const signature = await signDecision(key, payload);
    assert.deepEqual({ ...(await verifyDecisionWith(config, { environment: 'prod', payload, signature, claimed: 'mallory' })), key: 'k' }, { principal: 'alice@example.com', signed: true, key: 'k' });
    assert.equal((await verifyDecisionWith(config, { environment: 'prod', payload, signature, claimed: 'Alice' })).principal, 'alice');
  });

  it('refuses unsigned decisions where signatures are required, and signatures it cannot check', async () => {
    await refusal(verifyDecisionWith(config, { environment: 'prod', payload, claimed: 'alice' }), /environment prod is production: the approve decision is unsigned/);
    await refusal(verifyDecisionWith(config, { environment: 'strict', payload, claimed: 'alice' }), /requires signed decisions/);
    assert.deepEqual(await verifyDecisionWith(config, { environment: 'staging', payload, claimed: ' bob ' }), { principal: 'bob', signed: false });
    const signature = await signDecision(key, payload);
    await refusal(verifyDecisionWith(config, { environment: 'staging', payload, signature, claimed: 'alice' }), /staging has no signing.allowedSignersFile/);
    await refusal(verifyDecisionWith(config, { environment: 'nowhere', payload, signature, claimed: 'alice' }), /no environment "nowhere"/);
    await refusal(verifyDecisionWith(config, { environment: 'prod', payload: { ...payload, nonce: 'n-2' }, signature, claimed: 'alice' }), /does not verify/);
  });
});
