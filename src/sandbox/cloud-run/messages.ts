import { SERVICE_TYPE_URL, cloudRunProtos } from './proto';
import { timestamp, type ConditionState } from './api-types';
import type { CloudRunWorld, OperationState, RevisionState, ServiceState } from './world';

const SANDBOX_IDENTITY = 'sandbox@drillctl.local';

function condition(type: string, c: { state: ConditionState; message: string; transitionMs: number }): object {
  return {
    type,
    state: c.state,
    message: c.message,
    lastTransitionTime: timestamp(c.transitionMs),
    severity: c.state === 'CONDITION_FAILED' ? 'ERROR' : 'SEVERITY_UNSPECIFIED',
  };
}

/** The service's Ready condition: its own state, unless a revision it routes traffic to is not Ready. */
function terminalCondition(s: ServiceState): { state: ConditionState; message: string; transitionMs: number } {
  if (s.terminal.state !== 'CONDITION_SUCCEEDED') return s.terminal;
  const failing = s.trafficStatuses.filter((t) => t.percent > 0).map((t) => s.revisions.find((r) => r.id === t.revision)).find((r) => r && !r.ready);
  return failing ? { state: 'CONDITION_FAILED', message: `Revision '${failing.id}' is not ready and cannot serve traffic. ${failing.notReadyMessage}`.trim(), transitionMs: s.terminal.transitionMs } : s.terminal;
}

/** A google.cloud.run.v2.Service as Cloud Run returns it (output-only fields included). */
export function serviceMessage(world: CloudRunWorld, s: ServiceState): object {
  const latestReady = world.latestReady(s);
  const latestCreated = world.latestCreated(s);
  return {
    name: s.name,
    uid: s.uid,
    generation: String(s.generation),
    labels: { 'managed-by': 'drillctl-sandbox' },
    annotations: {},
    createTime: timestamp(s.createTimeMs),
    updateTime: timestamp(s.updateTimeMs),
    creator: SANDBOX_IDENTITY,
    lastModifier: SANDBOX_IDENTITY,
    ingress: 'INGRESS_TRAFFIC_ALL',
    launchStage: 'GA',
    template: s.template,
    traffic: s.traffic,
    observedGeneration: String(s.observedGeneration),
    terminalCondition: condition('Ready', terminalCondition(s)),
    // Ready is the terminal condition; the list holds the sub-conditions, as on Cloud Run.
    conditions: [condition('RoutesReady', s.routesReady), condition('ConfigurationsReady', { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: s.createTimeMs })],
    latestReadyRevision: latestReady ? world.revisionName(s.id, latestReady.id) : '',
    latestCreatedRevision: latestCreated ? world.revisionName(s.id, latestCreated.id) : '',
    trafficStatuses: s.trafficStatuses,
    uri: s.router.url,
    urls: [s.router.url],
    reconciling: s.reconciling,
    etag: s.etag,
  };
}

/** A google.cloud.run.v2.Revision. Ready is deliberately not the first condition: read it by type. */
export function revisionMessage(world: CloudRunWorld, s: ServiceState, r: RevisionState): object {
  const ready = { state: (r.ready ? 'CONDITION_SUCCEEDED' : 'CONDITION_FAILED') as ConditionState, message: r.notReadyMessage, transitionMs: r.createTimeMs };
  return {
    name: world.revisionName(s.id, r.id),
    uid: r.uid,
    generation: '1',
    labels: { 'serving.knative.dev/service': s.id },
    createTime: timestamp(r.createTimeMs),
    updateTime: timestamp(r.createTimeMs),
    launchStage: 'GA',
    service: s.name,
    containers: (s.template as { containers: object[] }).containers.map((c) => ({ ...c, image: r.image })),
    maxInstanceRequestConcurrency: 160,
    reconciling: false,
    conditions: [
      condition('ResourcesAvailable', { state: 'CONDITION_SUCCEEDED', message: '', transitionMs: r.createTimeMs }),
      condition('ContainerHealthy', ready),
      condition('Ready', ready),
    ],
    observedGeneration: '1',
    logUri: `${r.server.url}/logs`,
    creator: SANDBOX_IDENTITY,
    etag: `"${r.uid.slice(0, 12)}"`,
  };
}

function packService(world: CloudRunWorld, s: ServiceState): object {
  // The Any field must be spelled type_url even with keepCase:false.
  return { type_url: SERVICE_TYPE_URL, value: cloudRunProtos().serializeService(serviceMessage(world, s)) };
}

/** A google.longrunning.Operation for an UpdateService, with the Service as metadata and response. */
export function operationMessage(world: CloudRunWorld, op: OperationState): object {
  const s = world.services.get(op.serviceId);
  const base = { name: op.name, done: op.done, metadata: s ? packService(world, s) : null };
  if (!op.done || !s) return base;
  return op.error ? { ...base, error: { code: op.error.code, message: op.error.message, details: [] } } : { ...base, response: packService(world, s) };
}

/** A finished operation for validate_only requests: nothing changed, the preview is the response. */
export function previewOperationMessage(world: CloudRunWorld, preview: object): object {
  const packed = { type_url: SERVICE_TYPE_URL, value: cloudRunProtos().serializeService(preview) };
  return { name: `${world.parent}/operations/validate-only`, done: true, metadata: packed, response: packed };
}
