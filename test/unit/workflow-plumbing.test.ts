import assert from 'node:assert/strict';
import { ActivityFailure, ApplicationFailure, ChildWorkflowFailure, RetryState } from '@temporalio/common';
import { CohortHookFailure, ProbeFailure, SecretFailure, TrafficFailure } from '../../src/domain/failure-types';
import { causeMessage } from '../../src/workflows/plumbing/cause-message';
import { NOTIFY_NON_RETRYABLE, ROLLOUT_NON_RETRYABLE, TRAFFIC_CHANGE_NON_RETRYABLE } from '../../src/workflows/plumbing/failure-lists';
import { RESTORE_RETRY_CAP_MS, restoreRetryDelayMs } from '../../src/workflows/plumbing/restore-until-done';

describe('workflow plumbing', () => {
  it('causeMessage says what the activity or child said, not the wrapper, and stops at the typed failure', () => {
    const denied = ApplicationFailure.nonRetryable('UpdateService oa-b: PERMISSION_DENIED; grant roles/run.developer', TrafficFailure.permissionDenied);
    assert.equal(causeMessage(new ActivityFailure('Activity task failed', 'restoreTraffic', '7', RetryState.NON_RETRYABLE_FAILURE, 'worker', denied)), denied.message);
    const drill = ApplicationFailure.create({ type: 'RollbackDrillFailed', message: 'rollback drill on convex failed: probe timed out; the original traffic was restored', cause: new ActivityFailure('Activity task failed', 'probeServingRevision', '3', RetryState.NON_RETRYABLE_FAILURE, 'worker', ApplicationFailure.nonRetryable('probe timed out', ProbeFailure.revisionNotSeen)) });
    assert.equal(causeMessage(new ChildWorkflowFailure('default', { workflowId: 'w', runId: 'r' }, 'rollbackDrill', RetryState.NON_RETRYABLE_FAILURE, drill)), drill.message);
    assert.equal(causeMessage(new Error('outer', { cause: new Error('inner') })), 'inner');
    assert.equal(causeMessage('plain'), 'plain');
  });

  it('retries a restore after 2 s, doubling, never waiting longer than the cap', () => {
    assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 20].map(restoreRetryDelayMs), [2000, 4000, 8000, 16000, 32000, 60000, 60000, 60000]);
    assert.equal(RESTORE_RETRY_CAP_MS, 60_000);
  });

  it('names each adapter family\'s unfixable failures once, and the workflows compose them', () => {
    for (const t of [TrafficFailure.permissionDenied, TrafficFailure.trafficChanged, ProbeFailure.revisionNotSeen]) assert.ok(TRAFFIC_CHANGE_NON_RETRYABLE.includes(t), t);
    for (const t of [TrafficFailure.unavailable, TrafficFailure.conflict, TrafficFailure.operationFailed]) assert.ok(!TRAFFIC_CHANGE_NON_RETRYABLE.includes(t), `${t} is retried`);
    for (const t of [...TRAFFIC_CHANGE_NON_RETRYABLE, CohortHookFailure.rejected, CohortHookFailure.notFound, SecretFailure.unavailable]) assert.ok(ROLLOUT_NON_RETRYABLE.includes(t), t);
    assert.ok(!ROLLOUT_NON_RETRYABLE.includes(CohortHookFailure.failed), 'a failing hook is retried');
    assert.deepEqual(NOTIFY_NON_RETRYABLE, [SecretFailure.unavailable]);
  });
});
