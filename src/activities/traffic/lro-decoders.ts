import type { ServicesClient } from '@google-cloud/run';
import { protobuf } from 'google-gax';
import runProtos from '@google-cloud/run/build/protos/protos.json';

let serviceType: protobuf.Type | undefined;

/**
 * The generated ServicesClient binds `Service.decode` while it is still protobufjs's lazy
 * `decode_setup`, so every decode of a long-running operation's response and metadata
 * regenerates the decoder: about 8 ms of CPU per operation poll, which dominated the worker under
 * 50 concurrent drills (bench: concurrency). These decoders call the generated code directly.
 */
export function withCachedLroDecoders(client: ServicesClient): ServicesClient {
  serviceType ??= protobuf.Root.fromJSON(runProtos as protobuf.INamespace).lookupType('.google.cloud.run.v2.Service');
  const type = serviceType;
  const decode = (buf: Uint8Array): protobuf.Message => type.decode(buf);
  for (const d of Object.values(client.descriptors.longrunning)) {
    const lro = d as { responseDecoder: unknown; metadataDecoder: unknown };
    lro.responseDecoder = decode;
    lro.metadataDecoder = decode;
  }
  return client;
}
