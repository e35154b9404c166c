import type { Config } from '../domain/config/schema';
import { createAnalysisActivities } from './analysis';
import { createBackupActivities } from './backup';
import { createCohortActivities } from './cohort';
import { createDecisionActivities } from './decisions/verify-decision';
import { createNotifyActivities } from './notify';
import { httpCheck } from './probes/http-check';
import { createReprojectActivities } from './reproject';
import { createSettingsActivities } from './settings';
import { createReportActivities } from './reports/write-report';
import { createTrafficActivities, probeServingRevision, probeServingRevisions } from './traffic';
import { readCancelRequest } from './workflow-history';

/** Long-lived clients and settings the worker builds once and every activity shares. */
export interface ActivityDeps {
  /** Folder for reports, snapshots and other files the worker writes. */
  dataDir: string;
  /**
   * The worker's own configuration, the authority for every URL, secret reference, command, hook,
   * webhook, allowed signers and the production flag. Workflow inputs name environments and groups; activities look
   * them up here and refuse names it does not declare.
   */
  config: Config;
}

/**
 * Every activity the worker registers. Workflows see only the type
 * (`proxyActivities<Activities>`), so this module never enters the workflow bundle.
 */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createSettingsActivities(deps),
    httpCheck,
    ...createBackupActivities({ dataDir: deps.dataDir, config: deps.config }),
    ...createReportActivities(deps.dataDir),
    ...createTrafficActivities(),
    probeServingRevision,
    probeServingRevisions,
    ...createReprojectActivities(),
    ...createCohortActivities({ config: deps.config }),
    ...createAnalysisActivities({ config: deps.config }),
    ...createNotifyActivities({ dataDir: deps.dataDir, config: deps.config }),
    ...createDecisionActivities(deps),
    readCancelRequest,
  };
}

export type Activities = ReturnType<typeof createActivities>;
