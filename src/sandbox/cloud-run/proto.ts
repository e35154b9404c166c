import * as protoLoader from '@grpc/proto-loader';
import type { grpc } from 'google-gax';

/**
 * The Cloud Run Admin API v2 and google.longrunning service definitions, loaded from the JSON proto
 * bundle that ships inside @google-cloud/run (the same one the client loads), with the loader
 * options gax itself uses.
 */
export interface CloudRunProtos {
  services: grpc.ServiceDefinition;
  revisions: grpc.ServiceDefinition;
  operations: grpc.ServiceDefinition;
  /** Serializes a google.cloud.run.v2.Service (plain object, string enums) for packing into an Any. */
  serializeService(service: object): Buffer;
}

export const SERVICE_TYPE_URL = 'type.googleapis.com/google.cloud.run.v2.Service';

let loaded: CloudRunProtos | undefined;

export function cloudRunProtos(): CloudRunProtos {
  if (loaded) return loaded;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const bundle = require('@google-cloud/run/build/protos/protos.json') as Parameters<typeof protoLoader.fromJSON>[0];
  const def = protoLoader.fromJSON(bundle, { keepCase: false, longs: String, enums: String, defaults: true, oneofs: true });
  const services = def['google.cloud.run.v2.Services'] as grpc.ServiceDefinition;
  const revisions = def['google.cloud.run.v2.Revisions'] as grpc.ServiceDefinition;
  const operations = def['google.longrunning.Operations'] as grpc.ServiceDefinition;
  const getService = services.GetService;
  if (!getService || !revisions || !operations) throw new Error('the @google-cloud/run proto bundle lacks the Services, Revisions or Operations service');
  loaded = {
    services,
    revisions,
    operations,
    serializeService: (service) => getService.responseSerialize(service),
  };
  return loaded;
}
