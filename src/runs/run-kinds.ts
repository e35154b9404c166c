import { BACKUP_RESTORE_WORKFLOW } from '../contracts/backup-restore';
import { HEALTH_WORKFLOW } from '../contracts/health';
import { READINESS_GATE_WORKFLOW } from '../contracts/readiness-gate';
import { REPLAY_WORKFLOW } from '../contracts/replay';
import { ROLLBACK_WORKFLOW } from '../contracts/rollback';
import { ROLLOUT_WORKFLOW } from '../contracts/rollout';

/** Every kind of run drillctl starts, by the name operators use for it. */
export type RunKind = 'health' | 'backup-restore' | 'replay' | 'rollback' | 'readiness-gate' | 'rollout';

const KIND_BY_WORKFLOW_TYPE: Record<string, RunKind> = {
  [HEALTH_WORKFLOW]: 'health',
  [BACKUP_RESTORE_WORKFLOW]: 'backup-restore',
  [REPLAY_WORKFLOW]: 'replay',
  [ROLLBACK_WORKFLOW]: 'rollback',
  [READINESS_GATE_WORKFLOW]: 'readiness-gate',
  [ROLLOUT_WORKFLOW]: 'rollout',
};

export const RUN_KIND_TITLES: Record<RunKind, string> = {
  health: 'Health drill',
  'backup-restore': 'Backup/restore drill',
  replay: 'Replay drill',
  rollback: 'Rollback drill',
  'readiness-gate': 'Readiness gate',
  rollout: 'Staged rollout',
};

/** The kind of a workflow type, or undefined for a workflow drillctl did not start (a traffic lock holder of another tool). */
export function runKindOf(workflowType: string): RunKind | undefined {
  return KIND_BY_WORKFLOW_TYPE[workflowType];
}

export const RUN_KINDS = Object.values(KIND_BY_WORKFLOW_TYPE);
