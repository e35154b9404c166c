import { ApplicationFailure } from '@temporalio/common';
import type { Config } from '../../domain/config/schema';
import type { BackupRestoreRequest } from '../../contracts/backup-restore';
import type { HealthDrillRequest } from '../../contracts/health';
import type { ReadinessGateRequest } from '../../contracts/readiness-gate';
import type { ReplayDrillRequest } from '../../contracts/replay';
import type { RollbackDrillRequest } from '../../contracts/rollback';
import type { RolloutRequest } from '../../contracts/rollout';
import { backupRestoreSettings, healthDrillSettings, replayDrillSettings, rollbackDrillSettings } from '../../settings/drills';
import { changeWindowSettings, type ChangeWindowRequest } from '../../settings/change-window';
import { SettingsError } from '../../settings/errors';
import { readinessGateSettings } from '../../settings/gate';
import { rolloutSettings } from '../../settings/rollout';
import { snapshotFolder } from '../backup/snapshot-folder';

/** A request the worker's config cannot serve fails at once, naming what is missing; retrying cannot fix it. */
function resolved<R, I>(build: (request: R) => I): (request: R) => Promise<I> {
  return async (request) => {
    try {
      return build(request);
    } catch (err) {
      if (err instanceof SettingsError) throw ApplicationFailure.nonRetryable(err.hint ? `${err.message}; ${err.hint}` : err.message, err.type);
      throw err;
    }
  };
}

/**
 * What each workflow runs with, from the worker's own config: the first step of every workflow,
 * before any side effect. A caller names an environment and a group; it cannot send a URL,
 * secret reference, command or production flag the worker would use.
 */
export function createSettingsActivities(deps: { config: Config; dataDir: string }) {
  return {
    resolveHealthDrill: resolved((r: HealthDrillRequest) => healthDrillSettings(deps.config, r)),
    resolveBackupRestoreDrill: resolved((r: BackupRestoreRequest) => backupRestoreSettings(deps.config, r, () => snapshotFolder(deps, r.environment))),
    resolveReplayDrill: resolved((r: ReplayDrillRequest) => replayDrillSettings(deps.config, r)),
    resolveRollbackDrill: resolved((r: RollbackDrillRequest) => rollbackDrillSettings(deps.config, r)),
    resolveReadinessGate: resolved((r: ReadinessGateRequest) => readinessGateSettings(deps.config, r)),
    resolveRollout: resolved((r: RolloutRequest) => rolloutSettings(deps.config, r)),
    /** Asked by a rollout (a local activity) before each traffic change it starts. */
    resolveChangeWindow: resolved((r: ChangeWindowRequest) => changeWindowSettings(deps.config, r)),
  };
}
