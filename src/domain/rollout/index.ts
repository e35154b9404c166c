// The staged rollout's pure logic: plan schema and checks, traffic splits, decisions, report.
export * from './duration';
export * from './plan-schema';
export * from './plan-context';
export * from './records';
export * from './traffic-split';
export * from './revisions';
export * from './analysis';
export * from './readings';
export * from './controls';
export * from './progress';
export * from './plan-timeline';
export * from './notification';
export * from './details';
export * from './report';
