export { createCohortActivities, CohortHookFailure, type CohortHookRequest, type CohortHookOutcome, type CohortActivityDeps } from './run-cohort-hook';
