import { type ActivityOptions, ActivityFailure, ApplicationFailure, CancellationScope, patched, proxyActivities, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { fromWorkerConfig, settings } from './worker-settings';
import { decidePatchesUpFront } from './plumbing/patches-up-front';
import { failRun } from './plumbing/failure-result';
import { failureSummary, FAILURES_ARE_RESULTS_PATCH, restorationSentence, RUN_FAILED, type RunChange } from '../contracts/run-conclusion';
import { replayFixtureIds } from '../domain/reproject/fixture-ids';
import { decideLanding, type ProjectionSighting } from '../domain/reproject/landing';
import { nextReplayLevelNeeds, REPLAY_LEVEL_MEANING, replayLevelAllowed, type ReplayLevel } from '../domain/reproject/levels';
import type { ReprojectScope } from '../domain/reproject/scopes';
import { DrillKind, DrillOutcome, DrillStep } from '../temporal/search-attributes';
import {
  missingLegacyReplayFields,
  missingReplayFields,
  type ParityOutcome,
  type ReplayDrillRequest,
  type ReplayDrillInput,
  type ReplayDrillResult,
  type ReplayFixtureRequest,
  type ReplayScopeResult,
  type ReprojectFailureDetails,
} from '../contracts/replay';
import { causeMessage } from './plumbing/cause-message';

function reprojectDetails(err: ActivityFailure): ReprojectFailureDetails | undefined {
  const cause = err.cause;
  return cause instanceof ApplicationFailure && cause.type === 'ReprojectFailed' ? (cause.details?.[0] as ReprojectFailureDetails | undefined) : undefined;
}

function parityDetail(p: ParityOutcome, table: string, entity: string): string | undefined {
  switch (p.status) {
    case 'match':
      return undefined;
    case 'drift':
      return `${p.differences.length} field(s) differ from history: ${p.differences.map((d) => `${d.field} (history ${d.history}, Convex ${d.convex})`).join(', ')}`;
    case 'missing':
      return `no document ${table}/${entity} in Convex although the runtime reported a write`;
    case 'stale':
      return `the document in Convex was projected at ${p.projectedAt ?? 'an unknown time'}, before this replay started: the replay's write never reached Convex`;
  }
}

const PARITY_NEXT_STEP = {
  drift: 'history is the source of truth: find what writes this projection besides the runtime, then reproject it',
  missing: "the runtime's projection sink is not writing to this Convex deployment (a no-op sink, or another URL): check its sink configuration",
  stale: "the runtime's projection sink is not writing to this Convex deployment (a no-op sink, or another URL): check its sink configuration",
} as const;

/** Replay levels (1: reproject lines, 2: read back from Convex, 3: parity with history); histories before it always checked parity. */
export const REPLAY_LEVELS_PATCH = 'replay-levels';

/**
 * The replay drill: seeds fixtures whose ids
 * derive from this workflow, reprojects each scope through the runtime's own command, reads the
 * projections back from Convex and compares them with summaries recomputed from history, and
 * always cleans the fixtures up, also when the drill fails or is cancelled.
 */
export async function replayDrill(request: ReplayDrillRequest): Promise<ReplayDrillResult> {
  decidePatchesUpFront([REPLAY_LEVELS_PATCH]);
  const input = await fromWorkerConfig<ReplayDrillInput>(request, () => settings.resolveReplayDrill(request));
  const startedAt = Date.now();
  upsertSearchAttributes([{ key: DrillKind, value: 'replay' }]);
  const levels = patched(REPLAY_LEVELS_PATCH);
  const missing = levels ? missingReplayFields(input.replay) : missingLegacyReplayFields(input.replay);
  if (missing.length) throw ApplicationFailure.nonRetryable(`the replay drill needs ${missing.join(', ')} in the environment's config`, 'InvalidInput');

  const { replay } = input;
  const commandBudget = { startToCloseTimeout: (replay.commandTimeoutSeconds + 30) * 1000, heartbeatTimeout: '30s' } satisfies ActivityOptions;
  const seedOptions: ActivityOptions = { ...commandBudget, retry: { initialInterval: '1s', backoffCoefficient: 2, maximumAttempts: 3 } };
  // ReprojectFailed is non-retryable: a retry that succeeds would hide the replay failure this drill exists to report.
  const reprojectOptions: ActivityOptions = { ...commandBudget, retry: { maximumAttempts: 2 } };
  const parityOptions: ActivityOptions = { ...commandBudget, retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 } };
  const cleanupOptions: ActivityOptions = { ...commandBudget, retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 10 } };
  const { seedReplayFixtures, reprojectEntity, sightProjection, checkProjectionParity, cleanupReplayFixtures } = proxyActivities<Activities>(seedOptions);
  const allowed: ReplayLevel = levels ? replayLevelAllowed(replay) : 3;

  const ids = replayFixtureIds(workflowInfo().workflowId, replay.fixturePrefix);
  const fixtureRequest: ReplayFixtureRequest = { replay, runId: ids.runId, workerId: ids.workerId };
  const targets: { scope: ReprojectScope; entity: string; table: string }[] = [
    { scope: 'run', entity: ids.runId, table: replay.projectionTables.run },
    { scope: 'codex_worker', entity: ids.workerId, table: replay.projectionTables.codexWorker },
  ];
  const step = (name: string, details: string): void => {
    upsertSearchAttributes([{ key: DrillStep, value: name }]);
    setCurrentDetails(details);
  };

  const failures: string[] = [];
  // The lowest level each failure breaks: the drill proves every level below the lowest one.
  let brokenLevel: 1 | 2 | 3 | undefined;
  const fail = (level: ReplayLevel, message: string): void => {
    failures.push(message);
    brokenLevel = Math.min(brokenLevel ?? 3, level) as ReplayLevel;
  };
  const scopes: ReplayScopeResult[] = [];
  const sight = async (t: { scope: ReprojectScope; entity: string }, when: string): Promise<ProjectionSighting | string> => {
    try {
      return await sightProjection.executeWithOptions({ ...parityOptions, summary: `read ${t.scope} ${t.entity} from Convex (${when})` }, [{ replay, scope: t.scope, entityId: t.entity }]);
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      return causeMessage(err);
    }
  };
  const parityCheck = async (t: { scope: ReprojectScope; entity: string; table: string }, startedAtMs: number, result: ReplayScopeResult, level: ReplayLevel): Promise<void> => {
    step('parity', `Comparing the **${t.scope}** projection in Convex with history`);
    try {
      const parity = await checkProjectionParity.executeWithOptions(
        { ...parityOptions, summary: `parity ${t.table}/${t.entity}` },
        [{ replay, scope: t.scope, entityId: t.entity, notBeforeMs: startedAtMs }],
      );
      Object.assign(result, {
        parity: parity.status, expectedHash: parity.expectedHash, actualHash: parity.actualHash,
        ...(parity.differences.length ? { differences: parity.differences } : {}),
        ...(parity.status !== 'match' ? { parityDetail: parityDetail(parity, t.table, t.entity) } : {}),
      });
      if (parity.status !== 'match') {
        fail(level, `parity of ${t.scope} ${t.entity}: ${parity.status}: ${result.parityDetail}. Next: ${PARITY_NEXT_STEP[parity.status]}`);
      }
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      result.parityDetail = causeMessage(err);
      fail(level, `parity of ${t.scope} ${t.entity} could not be checked: ${causeMessage(err)}`);
    }
  };
  // Before replay levels every drill compared with history and counted any parity failure against level 1.
  const legacyParity = (t: { scope: ReprojectScope; entity: string; table: string }, startedAtMs: number, result: ReplayScopeResult): Promise<void> => parityCheck(t, startedAtMs, result, 1);
  let seeded = false;
  let cleanup: { cleanedUp: boolean; detail?: string };
  try {
    step('seed', `Seeding fixtures **${ids.runId}** and **${ids.workerId}** into the runtime's history`);
    try {
      await seedReplayFixtures.executeWithOptions({ ...seedOptions, summary: `seed ${ids.runId}, ${ids.workerId}` }, [fixtureRequest]);
      seeded = true;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      fail(1, `seeding the fixtures failed: ${causeMessage(err)}`);
    }

    for (const t of targets) {
      if (!seeded) {
        scopes.push({ scope: t.scope, entity: t.entity, result: 'error', reason: 'not reprojected: seeding failed', commandDurationMs: 0, parity: 'not-checked' });
        continue;
      }
      let before: ProjectionSighting | string | undefined;
      if (levels && allowed >= 2) {
        step('read-before', `Reading the **${t.scope}** projection from Convex before reprojecting it`);
        before = await sight(t, 'before the reprojection');
      }
      step('reproject', `Reprojecting **${t.scope}** ${t.entity} (${scopes.length} of ${targets.length} scopes done)`);
      const t0 = Date.now();
      let outcome;
      try {
        outcome = await reprojectEntity.executeWithOptions({ ...reprojectOptions, summary: `reproject scope=${t.scope} entity=${t.entity}` }, [{ replay, scope: t.scope, entityId: t.entity }]);
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        const details = reprojectDetails(err);
        scopes.push({
          scope: t.scope, entity: t.entity, result: 'error', reason: details?.reason ?? causeMessage(err), durationMs: details?.durationMs,
          commandDurationMs: Date.now() - t0, parity: 'not-checked',
        });
        fail(1, causeMessage(err));
        continue;
      }
      const result: ReplayScopeResult = {
        scope: t.scope, entity: t.entity, result: 'ok', write: outcome.write, durationMs: outcome.durationMs, commandDurationMs: Date.now() - t0, parity: 'not-checked',
      };
      scopes.push(result);

      if (!levels) {
        await legacyParity(t, outcome.startedAtMs, result);
        continue;
      }
      if (outcome.write !== 'applied') {
        fail(1, `reproject of ${t.scope} ${t.entity} reported write=${outcome.write}: a reprojection drops the checkpoint first, so it must write. Next: check that ${t.scope === 'run' ? 'replay.reprojectRun' : 'replay.reprojectWorker'} runs the runtime's reproject task`);
      }
      if (allowed >= 2) {
        step('read-back', `Reading the **${t.scope}** projection back from Convex`);
        result.projection = 'not-checked';
        const after = await sight(t, 'after the reprojection');
        if (typeof before === 'string' || typeof after === 'string') {
          result.projectionDetail = typeof before === 'string' ? before : (after as string);
          fail(2, `the ${t.scope} projection of ${t.entity} could not be read from Convex: ${result.projectionDetail}`);
        } else {
          const landing = decideLanding({ before: before!, after, startedAtMs: outcome.startedAtMs, clockSkewMs: replay.clockSkewToleranceMs, where: `${t.table}/${t.entity}` });
          Object.assign(result, {
            projection: landing.status,
            ...(landing.before ? { projectedAtBefore: landing.before } : {}),
            ...(landing.after ? { projectedAtAfter: landing.after } : {}),
            ...(landing.detail ? { projectionDetail: landing.detail } : {}),
          });
          if (landing.status !== 'updated') fail(2, `projection of ${t.scope} ${t.entity}: ${landing.status}: ${landing.detail}. Next: ${PARITY_NEXT_STEP.missing}`);
        }
      }
      if (allowed >= 3) await parityCheck(t, outcome.startedAtMs, result, 3);
    }
  } finally {
    // Runs on failure and on cancellation too: fixtures left in production history are litter.
    cleanup = await CancellationScope.nonCancellable(async () => {
      step('cleanup', `Removing fixtures **${ids.runId}** and **${ids.workerId}** (history, checkpoints, projections)`);
      try {
        await cleanupReplayFixtures.executeWithOptions({ ...cleanupOptions, summary: `cleanup ${ids.runId}, ${ids.workerId}` }, [fixtureRequest]);
        return { cleanedUp: true };
      } catch (err) {
        if (!(err instanceof ActivityFailure)) throw err;
        return { cleanedUp: false, detail: causeMessage(err) };
      }
    });
  }
  if (!cleanup.cleanedUp) fail(1, `CLEANUP FAILED, fixtures ${ids.runId} and ${ids.workerId} are still in the runtime: ${cleanup.detail}. Next: run replay.cleanupFixtures for them by hand`);

  const verdict = failures.length === 0 ? 'PASS' : 'FAIL';
  upsertSearchAttributes([{ key: DrillOutcome, value: verdict }]);
  if (!levels) {
    setCurrentDetails(`Replay drill **${verdict}**: ${scopes.filter((s) => s.result === 'ok' && s.parity === 'match').length}/${targets.length} scopes reprojected with parity; fixtures ${cleanup.cleanedUp ? 'removed' : '**left behind**'}`);
  }
  const proven = (brokenLevel === undefined ? allowed : brokenLevel - 1) as 0 | ReplayLevel;
  const next = nextReplayLevelNeeds(allowed);
  if (levels) {
    setCurrentDetails(`Replay drill **${verdict}** at level **${proven}** of ${allowed} allowed by the config; fixtures ${cleanup.cleanedUp ? 'removed' : '**left behind**'}${next ? `\n\nNext: ${next}` : ''}`);
  }
  const changes: RunChange[] = [
    {
      what: `fixtures ${ids.runId} and ${ids.workerId} (history, checkpoints, projections)`,
      undone: cleanup.cleanedUp,
      ...(cleanup.detail ? { detail: cleanup.detail } : {}),
    },
  ];
  const causes = failures.map((message) => ({ type: 'ReplayDrillCheck', message }));
  const result: ReplayDrillResult = {
    workflowId: workflowInfo().workflowId,
    environment: input.environment,
    verdict,
    ...(levels ? { level: { allowed, proven, meaning: ([1, 2, 3] as const).filter((l) => l <= proven).map((l) => REPLAY_LEVEL_MEANING[l]), ...(next ? { next } : {}) } } : {}),
    fixtures: { runId: ids.runId, workerId: ids.workerId, seeded, cleanedUp: cleanup.cleanedUp, ...(cleanup.detail ? { cleanupDetail: cleanup.detail } : {}) },
    scopes,
    failures,
    startedAt: new Date(startedAt).toISOString(),
    durationMs: Date.now() - startedAt,
    conclusion: {
      summary:
        verdict === 'PASS'
          ? `Replay drill passed${levels ? ` at level ${proven}` : ''}. Fixtures removed.`
          : failureSummary('Replay drill', causes.slice(0, 1), `${causes.length > 1 ? `${causes.length} checks failed. ` : ''}${cleanup.cleanedUp ? 'Fixtures removed.' : restorationSentence(changes)}`),
      causes,
      changes,
      restored: cleanup.cleanedUp,
    },
  };
  if (verdict === 'FAIL' && patched(FAILURES_ARE_RESULTS_PATCH)) return failRun(RUN_FAILED.replay, result);
  return result;
}
