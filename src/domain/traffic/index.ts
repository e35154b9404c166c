// Pure traffic logic shared by workflows, activities and the CLI: no I/O here.
export * from './allocation';
export * from './readiness';
export * from './service-state';
export * from './rollback-targets';
export * from './rollback-plan';
export * from './verdict';
export * from './production-guard';
export * from './cloud-run-target';
export * from './stuck-alarm';
