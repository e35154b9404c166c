import { grpc } from 'google-gax';
import type { RequestLog } from '../cloud-run/request-log';
import { parseFilter, UnsupportedFilterError } from './filter';
import { metricServiceDefinition } from './proto';
import { listTimeSeries, QueryError, timeSeriesMessage } from './time-series';

export interface MonitoringCall {
  method: string;
  filter: string;
  atMs: number;
  outcome: string;
}

export interface CloudMonitoringEmulator {
  /** host:port (plaintext gRPC) for a sandbox provider's `cloudMonitoring.apiEndpoint`. */
  address: string;
  port: number;
  /** Every ListTimeSeries answered, for tests. */
  calls: MonitoringCall[];
  stop(): Promise<void>;
}

interface Timestamp {
  seconds?: string | number;
  nanos?: number;
}

const ms = (t: Timestamp | null | undefined): number | undefined => (t && (t.seconds !== undefined || t.nanos) ? Number(t.seconds ?? 0) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : undefined);

interface ListRequest {
  name: string;
  filter: string;
  interval?: { startTime?: Timestamp; endTime?: Timestamp };
  aggregation?: { alignmentPeriod?: Timestamp; perSeriesAligner?: string; crossSeriesReducer?: string; groupByFields?: string[] };
  view?: string;
}

/**
 * Cloud Monitoring's MetricService over plaintext gRPC, built from @google-cloud/monitoring's own
 * protos, so the unmodified MetricServiceClient reads it. It answers ListTimeSeries for Cloud Run's
 * request metrics (request_count, request_latencies) of the sandbox's revisions, from the routers'
 * real request log; every other method is UNIMPLEMENTED. What it supports: ../README.md.
 */
export async function startCloudMonitoringEmulator(opts: { log: RequestLog; project: string; location: string; port?: number }): Promise<CloudMonitoringEmulator> {
  const calls: MonitoringCall[] = [];
  const listTimeSeriesHandler = (call: grpc.ServerUnaryCall<ListRequest, unknown>, callback: grpc.sendUnaryData<unknown>): void => {
    const req = call.request;
    const entry: MonitoringCall = { method: 'ListTimeSeries', filter: req.filter, atMs: Date.now(), outcome: 'OK' };
    calls.push(entry);
    const refuse = (code: grpc.status, details: string): void => {
      entry.outcome = grpc.status[code] ?? String(code);
      callback({ code, details, metadata: new grpc.Metadata() } as grpc.ServiceError);
    };
    if (req.name !== `projects/${opts.project}`) {
      refuse(grpc.status.NOT_FOUND, `${req.name || 'name'}: the sandbox's Cloud Monitoring holds project ${opts.project} only (name: projects/${opts.project})`);
      return;
    }
    const endMs = ms(req.interval?.endTime);
    if (endMs === undefined) {
      refuse(grpc.status.INVALID_ARGUMENT, 'Field interval.endTime is required');
      return;
    }
    const startMs = ms(req.interval?.startTime) ?? endMs;
    if (startMs > endMs) {
      refuse(grpc.status.INVALID_ARGUMENT, 'interval.startTime is after interval.endTime');
      return;
    }
    try {
      const a = req.aggregation;
      const aggregation =
        a && (a.perSeriesAligner ?? 'ALIGN_NONE') !== 'ALIGN_NONE'
          ? { alignmentPeriodMs: ms(a.alignmentPeriod) ?? 0, aligner: a.perSeriesAligner!, reducer: a.crossSeriesReducer ?? 'REDUCE_NONE', groupByFields: a.groupByFields ?? [] }
          : a?.crossSeriesReducer && a.crossSeriesReducer !== 'REDUCE_NONE'
            ? { alignmentPeriodMs: 0, aligner: 'ALIGN_NONE', reducer: a.crossSeriesReducer, groupByFields: a.groupByFields ?? [] }
            : undefined;
      const series = listTimeSeries(opts.log, { project: opts.project, location: opts.location, terms: parseFilter(req.filter), startMs, endMs, aggregation });
      const headersOnly = req.view === 'HEADERS';
      callback(null, { timeSeries: series.map((s) => (headersOnly ? { ...timeSeriesMessage(s), points: [] } : timeSeriesMessage(s))), nextPageToken: '', executionErrors: [], unit: '' });
    } catch (err) {
      if (err instanceof UnsupportedFilterError || err instanceof QueryError) refuse(grpc.status.INVALID_ARGUMENT, err.message);
      else refuse(grpc.status.INTERNAL, (err as Error).message);
    }
  };
  const server = new grpc.Server();
  server.addService(metricServiceDefinition(), { ListTimeSeries: listTimeSeriesHandler } as unknown as grpc.UntypedServiceImplementation);
  const port = await new Promise<number>((resolve, reject) => server.bindAsync(`127.0.0.1:${opts.port ?? 0}`, grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
  return {
    address: `127.0.0.1:${port}`,
    port,
    calls,
    async stop() {
      const graceful = new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      const timer = setTimeout(() => server.forceShutdown(), 2000);
      await graceful;
      clearTimeout(timer);
    },
  };
}
