export { createAnalysisActivities } from './read-analysis';
