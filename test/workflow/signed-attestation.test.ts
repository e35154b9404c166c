import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { createActivities } from '../../src/activities';
import { signDecision } from '../../src/signing/sign-decision';
import type { Config } from '../../src/domain/config/schema';
import { renderReadinessMarkdown } from '../../src/domain/report/readiness';
import { startRevisionServer, type RevisionServer } from '../../src/sandbox/revision-server';
import { attestDocsUpdate, gateStatusQuery, type ReadinessGateInput, type ReadinessGateResult } from '../../src/contracts/readiness-gate';
import type { AttestationRequest } from '../../src/domain/attestation';
import { readinessGate } from '../../src/workflows/readiness-gate';
import { testEnv } from '../support/temporal';
import { createTestWorker, tempDir } from '../support/worker';
import { registerReadinessGate } from '../support/worker-config';
import { finishedRun } from '../../src/contracts/run-conclusion';

describe('readinessGate workflow: signed attestation in a production environment (real dev server)', () => {
  let env: TestWorkflowEnvironment;
  let backend: RevisionServer;
  let dashboard: RevisionServer;
  let worker: Worker;
  let running: Promise<void>;
  const dir = tempDir('attest-signers');
  const key = (who: string): string => path.join(dir, who);
  for (const who of ['alice', 'carol']) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key(who)]);
  const allowedSignersFile = path.join(dir, 'allowed_signers');
  fs.writeFileSync(allowedSignersFile, ['alice', 'carol'].map((who) => `${who} ${fs.readFileSync(`${key(who)}.pub`, 'utf8')}`).join(''));
  const config: Config = { environments: {} };

  before(async () => {
    env = await testEnv();
    backend = await startRevisionServer({ revision: 'b-00011', kind: 'backend' });
    dashboard = await startRevisionServer({ revision: 'd-00002', kind: 'dashboard' });
    worker = await createTestWorker(env, { taskQueue: 'signed-attestation', activities: createActivities({ dataDir: tempDir('attest-worker'), config }) });
    running = worker.run();
  });
  after(async () => {
    worker.shutdown();
    await running;
    await backend.stop();
    await dashboard.stop();
  });

  const input: () => ReadinessGateInput = () => ({
    environment: 'attest-prod',
    group: 'convex',
    initiator: 'carol',
    scope: 'test-project/us-central1',
    rtoTargetSeconds: 300,
    drills: { health: { environment: 'attest-prod', health: { backendUrl: backend.url, dashboardUrl: dashboard.url, timeoutMs: 2000, attempts: 1 } } },
    rollbackWorkflowId: `traffic-attest-prod-convex-${Date.now()}`,
    attestation: { attesters: ['Alice', 'carol'], forbidInitiator: true, timeoutSeconds: 120, onTimeout: 'fail' },
    remainingWork: [],
  });

  async function waiting(handle: WorkflowHandle): Promise<void> {
    for (let i = 0; i < 300; i++) {
      // The gate registers its handlers once the worker has resolved its settings.
      const state = await handle.query(gateStatusQuery).then((st) => st.attestation.state, () => undefined);
      if (state === 'waiting') return;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.fail('gate never waited for attestation');
  }
  const signed = async (handle: WorkflowHandle, who: string, req: AttestationRequest): Promise<AttestationRequest> => {
    const challenge = (await handle.query(gateStatusQuery)).decision!;
    return { ...req, signature: await signDecision(key(who), { ...challenge, decision: 'attest', reason: req.reason, ...(req.docs?.length ? { docs: req.docs } : {}) }) };
  };
  const refused = (run: Promise<unknown>, expected: RegExp): Promise<void> =>
    assert.rejects(run, (err: unknown) => {
      assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
      assert.match(err.cause?.message ?? '', expected);
      return true;
    });

  it('refuses unsigned attestations and the initiator\'s key, then records the verified attester', async () => {
    // The worker's config declares the gate's environment as production, with its allowed signers.
    const request = registerReadinessGate(config, input());
    Object.assign(config.environments['attest-prod']!, { production: true, signing: { allowedSignersFile, required: false } });
    const handle = await env.client.workflow.start(readinessGate, { args: [request], workflowId: `gate-signed-${Date.now()}`, taskQueue: 'signed-attestation' });
    await waiting(handle);
    await refused(handle.executeUpdate(attestDocsUpdate, { args: [{ attester: 'alice', reason: 'reviewed' }] }), /attest-prod is production: the attest decision is unsigned/);
    await refused(handle.executeUpdate(attestDocsUpdate, { args: [await signed(handle, 'carol', { attester: 'alice', reason: 'reviewed' })] }), /carol started this gate and may not attest it/);
    assert.equal((await handle.query(gateStatusQuery)).attestation.state, 'waiting', 'nothing was applied');
    const record = await handle.executeUpdate(attestDocsUpdate, { args: [await signed(handle, 'alice', { attester: 'someone', reason: 'runbook reviewed', docs: ['RUNBOOK.md'] })] });
    assert.equal(record.attester, 'alice');
    assert.equal(record.signature, 'verified');
    const result = await finishedRun<ReadinessGateResult>(handle);
    assert.match(renderReadinessMarkdown(result), /attested by alice \(signed, key SHA256:\S+\)/);
  });
});
