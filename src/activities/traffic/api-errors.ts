import { ApplicationFailure } from '@temporalio/common';
import { grpc } from 'google-gax';
import { TrafficFailure } from '../../domain/failure-types';

// The failure types live in a pure module, so workflows name the same list in their retry policies.
export { NON_RETRYABLE_TRAFFIC_FAILURES, TrafficFailure } from '../../domain/failure-types';

const RETRYABLE = new Set<number>([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.RESOURCE_EXHAUSTED, grpc.status.INTERNAL, grpc.status.UNKNOWN, grpc.status.CANCELLED]);

interface ErrorWithCode extends Error {
  code?: number;
  details?: string;
}

/** What Cloud Run said, without gax's "<code> <NAME>: " prefix. */
function apiMessage(err: ErrorWithCode): string {
  return (err.details || err.message).replace(/^\d+ [A-Z_]+: /, '');
}

/**
 * Turns an error of the Cloud Run client into an ApplicationFailure naming the call, the resource,
 * what Cloud Run said and what to do next. `operation` marks errors of a finished LRO.
 */
export function toTrafficFailure(err: unknown, call: string, resource: string, opts: { operation?: boolean } = {}): ApplicationFailure {
  if (err instanceof ApplicationFailure) return err;
  const e = err as ErrorWithCode;
  const code = typeof e?.code === 'number' ? e.code : grpc.status.UNKNOWN;
  const codeName = grpc.status[code] ?? String(code);
  const said = apiMessage(e ?? new Error(String(err)));
  const base = `${call} ${resource}: ${codeName}: ${said}`;
  const make = (type: string, next: string, nonRetryable: boolean) =>
    ApplicationFailure.create({ message: `${base}; ${next}`, type, nonRetryable, details: [{ grpcCode: code, grpcStatus: codeName, call, resource }] });
  if (opts.operation) {
    return make(TrafficFailure.operationFailed, RETRYABLE.has(code) ? 'retrying the change' : 'check the service in the Cloud Run console', !RETRYABLE.has(code));
  }
  switch (code) {
    case grpc.status.ABORTED:
      return make(TrafficFailure.conflict, 'the service changed since it was read; re-reading and retrying', false);
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.OUT_OF_RANGE:
      return make(TrafficFailure.invalidArgument, 'the request was rejected as invalid; check the traffic allocation and service name', true);
    case grpc.status.NOT_FOUND:
      return make(TrafficFailure.notFound, 'check cloudRun.project, cloudRun.region and the service id in the config', true);
    case grpc.status.PERMISSION_DENIED:
    case grpc.status.UNAUTHENTICATED:
      return make(TrafficFailure.permissionDenied, "grant the worker's identity roles/run.developer on the service (or check its credentials)", true);
    case grpc.status.FAILED_PRECONDITION:
      return make(TrafficFailure.failedPrecondition, 'Cloud Run refused the change in the current state of the service', true);
    default:
      if (RETRYABLE.has(code)) return make(TrafficFailure.unavailable, 'retrying', false);
      return make(TrafficFailure.unexpectedResponse, 'Cloud Run answered in a way this tool does not handle', true);
  }
}
