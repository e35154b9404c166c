import * as protoLoader from '@grpc/proto-loader';
import type { grpc } from 'google-gax';

let loaded: grpc.ServiceDefinition | undefined;

/**
 * google.monitoring.v3.MetricService, loaded from the JSON proto bundle that ships inside
 * @google-cloud/monitoring (the one its client loads), with the loader options gax itself uses.
 */
export function metricServiceDefinition(): grpc.ServiceDefinition {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require('@google-cloud/monitoring/build/protos/protos.json') as Parameters<typeof protoLoader.fromJSON>[0];
  const def = protoLoader.fromJSON(bundle, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const service = def['google.monitoring.v3.MetricService'] as grpc.ServiceDefinition | undefined;
  if (!service?.ListTimeSeries) throw new Error('the @google-cloud/monitoring proto bundle lacks google.monitoring.v3.MetricService');
  loaded = service;
  return loaded;
}
