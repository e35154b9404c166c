import type { SearchAttributePair } from '@temporalio/common';
import { DrillEnvironment, DrillKind, DrillServiceGroup } from '../temporal/search-attributes';
import { HEALTH_WORKFLOW } from '../shared/health';
import type { GlobalOptions } from './context';
import { healthInput } from './commands/drill-health';
import { backupRestoreInput } from './commands/drill-backup-restore';
import { BACKUP_RESTORE_WORKFLOW } from '../shared/backup-restore';
import { gateInput } from './commands/gate';
import { rollbackDrillInput } from './commands/drill-rollback';
import { ROLLBACK_WORKFLOW } from '../shared/rollback';
import { actingIdentity } from './identity';
import { READINESS_GATE_WORKFLOW } from '../shared/readiness-gate';

/**
 * Every workflow a schedule can start, with how its input is built from the config. The same
 * builders serve the drill commands, so a scheduled drill runs exactly what `drillctl drill X` runs.
 */
export interface DrillKindSpec {
  workflowType: string;
  describe: string;
  build(global: GlobalOptions): { input: unknown; environment: string; group?: string; summary: string };
}

export const DRILL_KINDS: Record<string, DrillKindSpec> = {
  gate: {
    workflowType: READINESS_GATE_WORKFLOW,
    describe: 'the readiness gate (every drill, attestation, report)',
    build(g) {
      const input = gateInput(g, actingIdentity());
      return { input, environment: input.environment, group: input.group, summary: `Readiness gate on **${input.environment}** / ${input.group}` };
    },
  },
  health: {
    workflowType: HEALTH_WORKFLOW,
    describe: 'baseline health',
    build(g) {
      const input = healthInput(g);
      return { input, environment: input.environment, summary: `Health drill on **${input.environment}**` };
    },
  },
  'backup-restore': {
    workflowType: BACKUP_RESTORE_WORKFLOW,
    describe: 'backup/restore (export, verify, restore by the configured mode, prove equal)',
    build(g) {
      const input = backupRestoreInput(g);
      return { input, environment: input.environment, summary: `Backup/restore drill on **${input.environment}** (${input.restoreMode})` };
    },
  },
  // A schedule plans only: an applied rollback must hold the group's traffic lock, which a
  // schedule's own workflow ids do not (the workflow refuses it), so it stays a `drillctl` action.
  'rollback-plan': {
    workflowType: ROLLBACK_WORKFLOW,
    describe: 'rollback drill plan (dry run: resolves every service\'s rollback target, changes nothing)',
    build(g) {
      const input = rollbackDrillInput(g);
      return { input, environment: input.environment, group: input.group, summary: `Rollback drill plan on **${input.environment}** / ${input.group}` };
    },
  },
};

export function drillSearchAttributes(kind: string, environment: string, group?: string): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: DrillEnvironment, value: environment },
    { key: DrillKind, value: kind },
  ];
  if (group) pairs.push({ key: DrillServiceGroup, value: group });
  return pairs;
}
