export { createCohortActivities, type CohortHookRequest, type CohortHookOutcome, type CohortActivityDeps } from './run-cohort-hook';
export { CohortHookFailure } from '../../domain/failure-types';
