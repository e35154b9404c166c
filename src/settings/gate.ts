import type { Config } from '../domain/config/schema';
import type { BackupRestoreRequest } from '../contracts/backup-restore';
import type { ReadinessGateInput, ReadinessGateRequest } from '../contracts/readiness-gate';
import type { RollbackDrillRequest } from '../contracts/rollback';
import { trafficLockWorkflowId } from '../contracts/traffic-lock';
import { backupRestoreSettings, healthDrillSettings, replayDrillSettings, rollbackDrillSettings } from './drills';
import { environmentOf } from './environment';
import { SettingsError, SettingsFailureType } from './errors';

/**
 * The gate's settings: each drill the environment can run, as a request its child resolves again.
 * Every child's settings are built here too, so a drill the config cannot run refuses the gate
 * before the first child starts.
 */
export function readinessGateSettings(config: Config, request: ReadinessGateRequest): ReadinessGateInput {
  const e = environmentOf(config, request.environment);
  const groups = Object.keys(e.env.serviceGroups);
  const group = request.group ?? e.env.gate.serviceGroup ?? (groups.length === 1 ? groups[0] : undefined) ?? (groups.length === 0 ? 'default' : undefined);
  if (!group) throw new SettingsError(SettingsFailureType.unknownName, `environment "${e.name}" has several service groups`, `set gate.serviceGroup to one of: ${groups.join(', ')}`);
  const health = { environment: e.name, ...(Object.hasOwn(e.env.serviceGroups, group) ? { group } : {}) };
  healthDrillSettings(config, health);
  let backupRestore: BackupRestoreRequest | undefined;
  if (e.env.backup) {
    backupRestore = { environment: e.name, authorization: { destructive: false, confirmed: false, requestedBy: request.initiator } };
    backupRestoreSettings(config, backupRestore, (dir) => dir);
  }
  const replay = e.env.replay ? { environment: e.name } : undefined;
  if (replay) replayDrillSettings(config, replay);
  let rollback: RollbackDrillRequest | undefined;
  if (e.env.cloudRun && groups.length) {
    rollback = { environment: e.name, group, mode: 'apply', targets: {}, requestedBy: request.initiator };
    rollbackDrillSettings(config, rollback);
  }
  return {
    environment: e.name,
    group,
    initiator: request.initiator,
    scope: e.env.cloudRun ? `${e.env.cloudRun.project}/${e.env.cloudRun.region}` : e.name,
    rtoTargetSeconds: e.env.rollback.rtoTargetSeconds,
    drills: { health, ...(backupRestore ? { backupRestore } : {}), ...(replay ? { replay } : {}), ...(rollback ? { rollback } : {}) },
    rollbackWorkflowId: trafficLockWorkflowId(e.name, group),
    attestation: { attesters: e.env.gate.attesters, forbidInitiator: e.env.gate.forbidInitiator, timeoutSeconds: e.env.gate.attestationTimeoutSeconds, onTimeout: 'fail' },
    remainingWork: e.env.gate.remainingWork,
  };
}
