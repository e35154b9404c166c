// Kept apart from the schemas: the rollout workflow needs this test, and importing a schema module
// would bring zod into the workflow bundle, evaluated again for every workflow the worker loads.

/** The built-in provider: the plan's own URL answering a number or JSON (credentials from `rollout.endpoints`). */
export const HTTP_PROVIDER = 'http';

/** Whether a check reads the plan's URL (the built-in http provider) rather than a declared provider. */
export function isHttpMetric(m: { provider?: string }): boolean {
  return m.provider === undefined || m.provider === HTTP_PROVIDER;
}
