// Every workflow the worker registers; the worker bundles this module by path.
export { healthDrill } from './health';
export { readinessGate } from './readiness-gate';
export { rollbackDrill } from './rollback';
export { replayDrill } from './replay';
export { backupRestoreDrill } from './backup-restore';
export { stagedRollout } from './rollout/workflow';
