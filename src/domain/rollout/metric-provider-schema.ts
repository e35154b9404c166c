import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { HttpUrlSchema } from '../http-url';
import { SecretRefSchema } from '../secret-ref';
import { strictObject } from '../strict-object';
import { boundedDuration } from './duration-schema';
import { HTTP_PROVIDER } from './http-provider';

/** Names of metric providers, as plans write them (`provider: NAME`); `http` is built in. */
export const PROVIDER_NAME = /^[a-z][a-z0-9-]{0,39}$/;

const PrometheusAuthSchema = z.union(
  [
    strictObject({ bearer: SecretRefSchema }),
    strictObject({ basic: strictObject({ username: z.string().min(1), password: SecretRefSchema }) }),
  ],
  { message: 'expected auth: { bearer: SECRET_REF } or { basic: { username, password: SECRET_REF } }' },
);

export const PrometheusProviderSchema = strictObject(
  {
    /** Base URL of Prometheus' HTTP API (queries go to `<url>/api/v1/query`); a path prefix (a proxy's) is kept. */
    url: HttpUrlSchema,
    /** Sent only to this URL, with redirects refused so it cannot be carried elsewhere. */
    auth: PrometheusAuthSchema.optional(),
    timeout: boundedDuration(DURATION_CAPS_MS.httpRequest).default('10s'),
  },
  { token: 'write auth: { bearer: env:NAME } (a secret reference, never the token itself)', headers: 'write auth: { bearer: REF } or auth: { basic: { username, password: REF } }' },
);

export const CloudMonitoringProviderSchema = strictObject({
  /** The project whose metrics scope holds the Cloud Run metrics; default the environment's cloudRun.project. */
  project: z.string().min(1).optional(),
  /** host:port of a Cloud Monitoring emulator; only allowed for sandbox environments. */
  apiEndpoint: z.string().optional(),
  timeout: boundedDuration(DURATION_CAPS_MS.httpRequest).default('30s'),
});

/**
 * A metrics system the worker reads a rollout's analysis from. A plan refers to it by name and
 * never carries its URL or credentials; one plan then reads whatever system each environment runs.
 */
export const MetricProviderSchema = z.union(
  [strictObject({ prometheus: PrometheusProviderSchema }), strictObject({ cloudMonitoring: CloudMonitoringProviderSchema })],
  { message: 'expected a provider: { prometheus: { url, auth } } or { cloudMonitoring: { project } }' },
);

export const MetricProvidersSchema = z
  .record(z.string().regex(PROVIDER_NAME, { message: 'expected a lowercase provider name (letters, digits, dashes)' }), MetricProviderSchema)
  .refine((p) => !Object.hasOwn(p, HTTP_PROVIDER), { message: `"${HTTP_PROVIDER}" is the built-in JSON endpoint provider; give yours another name` })
  .default({});

export type MetricProvider = z.infer<typeof MetricProviderSchema>;
export type PrometheusProvider = z.infer<typeof PrometheusProviderSchema>;
export type CloudMonitoringProvider = z.infer<typeof CloudMonitoringProviderSchema>;

/** The kind of a declared provider. */
export function providerKind(p: MetricProvider): 'prometheus' | 'cloudMonitoring' {
  return 'prometheus' in p ? 'prometheus' : 'cloudMonitoring';
}
