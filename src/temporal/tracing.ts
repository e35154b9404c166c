import type * as OtlpHttp from '@opentelemetry/exporter-trace-otlp-http';
import type * as OtelResources from '@opentelemetry/resources';
import type * as OtelTraceBase from '@opentelemetry/sdk-trace-base';
import type * as OtelTraceNode from '@opentelemetry/sdk-trace-node';
import type * as TemporalOtel from '@temporalio/interceptors-opentelemetry';
import type { WorkerInterceptors, WorkerOptions } from '@temporalio/worker';

/**
 * OpenTelemetry tracing of the worker, off unless an OTLP endpoint is configured with the standard
 * variables: OTEL_EXPORTER_OTLP_TRACES_ENDPOINT (the full URL, e.g. http://collector:4318/v1/traces)
 * or OTEL_EXPORTER_OTLP_ENDPOINT (the base URL; /v1/traces is appended). Spans go out over
 * OTLP/HTTP, which the OpenTelemetry Collector, Jaeger, Tempo and Honeycomb accept.
 */
export interface TracingOptions {
  serviceName: string;
}

export function tracingFromEnv(env: NodeJS.ProcessEnv = process.env): TracingOptions | undefined {
  if (!env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT && !env.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  return { serviceName: env.OTEL_SERVICE_NAME || 'drillctl-worker' };
}

export interface WorkerTracing {
  /** The SDK's tracing interceptors: a span per workflow run, signal, update, query and activity, linked across them. */
  interceptors: Pick<WorkerInterceptors, 'activity' | 'workflowModules'>;
  /** Carries spans out of the workflow sandbox, where they are made, to the exporter. */
  sinks: NonNullable<WorkerOptions['sinks']>;
  /** Sends the spans still buffered. */
  shutdown(): Promise<void>;
}

/** Builds the exporter and the interceptors; the OpenTelemetry libraries load only when tracing is on. */
export function startWorkerTracing(opts: TracingOptions): WorkerTracing {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { OTLPTraceExporter } = require('@opentelemetry/exporter-trace-otlp-http') as typeof OtlpHttp;
  const { BatchSpanProcessor } = require('@opentelemetry/sdk-trace-base') as typeof OtelTraceBase;
  const { NodeTracerProvider } = require('@opentelemetry/sdk-trace-node') as typeof OtelTraceNode;
  const { Resource } = require('@opentelemetry/resources') as typeof OtelResources;
  const otel = require('@temporalio/interceptors-opentelemetry') as typeof TemporalOtel;
  /* eslint-enable @typescript-eslint/no-require-imports */
  const resource = new Resource({ 'service.name': opts.serviceName });
  const processor = new BatchSpanProcessor(new OTLPTraceExporter());
  const provider = new NodeTracerProvider({ resource, spanProcessors: [processor] });
  // Global: activity spans use the global tracer provider, and the context manager it registers
  // (AsyncLocalStorage) is what makes an activity's span a child of the workflow's.
  provider.register();
  return {
    interceptors: {
      workflowModules: [require.resolve('@temporalio/interceptors-opentelemetry/lib/workflow-interceptors')],
      activity: [(ctx) => ({ inbound: new otel.OpenTelemetryActivityInboundInterceptor(ctx), outbound: new otel.OpenTelemetryActivityOutboundInterceptor(ctx) })],
    },
    sinks: { exporter: otel.makeWorkflowExporter(processor, resource) },
    shutdown: () => provider.shutdown(),
  };
}
