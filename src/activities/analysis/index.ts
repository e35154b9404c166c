export { createAnalysisActivities, type AnalysisActivityDeps } from './read-analysis';
