import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { parseRolloutPlan } from '../../src/domain/rollout/plan-context';
import { snapshotAllocation, type TrafficAllocation } from '../../src/domain/traffic/allocation';
import { startCloudRunSandbox, type CloudRunSandbox } from '../../src/sandbox/cloud-run';
import { HEALTH_WORKFLOW, type HealthDrillInput } from '../../src/contracts/health';
import { ROLLBACK_WORKFLOW } from '../../src/contracts/rollback';
import type { RolloutInput } from '../../src/contracts/rollout';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { temporalTestServerPath } from '../../src/temporal/binaries';
import { rollbackInputFor } from './rollback-sandbox';

export const BACKEND = 'oa-convex-backend-sandbox';
export const DASHBOARD = 'oa-convex-dashboard-sandbox';
export const STABLE = { [BACKEND]: `${BACKEND}-00011-v4r`, [DASHBOARD]: `${DASHBOARD}-00002-hwm` };
export const CANDIDATE = { [BACKEND]: `${BACKEND}-00012-c7n`, [DASHBOARD]: `${DASHBOARD}-00003-q2d` };

const HOUR_MS = 3_600_000;

/**
 * The Cloud Run sandbox as a rollout finds it: backend and dashboard each pinned to a stable
 * revision at 100 %, with a newer Ready candidate deployed beside it (`--no-traffic`) and an older
 * revision behind it (what a rollback drill can go back to before the candidate serves).
 */
export async function startRolloutCloudRun(): Promise<CloudRunSandbox> {
  const now = Date.now();
  const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR_MS);
  const pinned = (revision: string) => [{ type: 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION' as const, revision, percent: 100, tag: '' }];
  return startCloudRunSandbox({
    groups: [
      {
        name: 'convex',
        services: [
          { role: 'backend', service: BACKEND, kind: 'backend', revisions: [{ name: `${BACKEND}-00010-kpf`, createdAt: at(72) }, { name: STABLE[BACKEND], createdAt: at(48) }, { name: CANDIDATE[BACKEND], createdAt: at(1) }], traffic: pinned(STABLE[BACKEND]) },
          { role: 'dashboard', service: DASHBOARD, kind: 'dashboard', revisions: [{ name: `${DASHBOARD}-00001-8rs`, createdAt: at(72) }, { name: STABLE[DASHBOARD], createdAt: at(48) }, { name: CANDIDATE[DASHBOARD], createdAt: at(1) }], traffic: pinned(STABLE[DASHBOARD]) },
        ],
      },
    ],
    propagationDelayMs: 100,
    operationDelayMs: 100,
  });
}

/** A service's traffic as the emulator holds it, in the tool's terms. */
export function trafficOf(sandbox: CloudRunSandbox, service: string): TrafficAllocation {
  return snapshotAllocation(sandbox.view(service).traffic);
}

export interface RecordedCall {
  method: string;
  path: string;
  body: unknown;
  idempotencyKey?: string;
}

/** A small HTTP endpoint for a test: records every call, answers what `answer` says. */
export interface TestEndpoint {
  url: string;
  calls: RecordedCall[];
  answer: (call: RecordedCall) => { status: number; body: string };
  stop(): Promise<void>;
}

export async function startTestEndpoint(answer: TestEndpoint['answer'] = () => ({ status: 200, body: '{"ok":true}' })): Promise<TestEndpoint> {
  const endpoint: TestEndpoint = { url: '', calls: [], answer, stop: async () => undefined };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = text;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        // keep the text
      }
      const call: RecordedCall = { method: req.method ?? 'GET', path: req.url ?? '/', body, idempotencyKey: req.headers['idempotency-key'] as string | undefined };
      endpoint.calls.push(call);
      const out = endpoint.answer(call);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(out.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  endpoint.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  return endpoint;
}

/** Metric endpoints whose values a test sets: GET /<name> answers `{"value": n}`. */
export async function startMetrics(initial: Record<string, number>): Promise<TestEndpoint & { values: Record<string, number> }> {
  const values = { ...initial };
  const endpoint = await startTestEndpoint((call) => {
    const name = call.path.slice(1);
    return name in values ? { status: 200, body: JSON.stringify({ value: values[name] }) } : { status: 404, body: '{}' };
  });
  return Object.assign(endpoint, { values });
}

/** The state of cohort flags a flag service holds after the hooks' PUT /cohorts/<name> {enabled} calls. */
export function cohortFlags(flags: TestEndpoint): Record<string, boolean> {
  const state: Record<string, boolean> = {};
  for (const c of flags.calls) if (c.method === 'PUT' && c.path.startsWith('/cohorts/')) state[c.path.slice('/cohorts/'.length)] = (c.body as { enabled?: boolean }).enabled === true;
  return state;
}

/** The input `drillctl rollout start` would build for the sandbox group, with the plan given as YAML. */
export function rolloutInputFor(sandbox: CloudRunSandbox, environment: string, planYaml: string, over: Partial<RolloutInput> = {}): RolloutInput {
  const plan = parseRolloutPlan(planYaml.replace(/\$ENV/g, environment), 'test plan');
  const group = sandbox.group('convex');
  const cloudRun = { project: sandbox.project, region: sandbox.region, apiEndpoint: sandbox.grpcAddress, sandbox: true };
  const backend = group.services.find((s) => s.role === 'backend')!;
  const dashboard = group.services.find((s) => s.role === 'dashboard')!;
  const health: HealthDrillInput = {
    environment,
    health: { backendUrl: backend.url, dashboardUrl: dashboard.url, timeoutMs: 2000, attempts: 2 },
    cloudRun,
    cloudRunServices: group.services.map((s) => s.service),
  };
  return {
    environment,
    group: 'convex',
    initiator: 'carol',
    plan,
    cloudRun,
    production: false,
    productionApprovers: [],
    services: group.services.map((s) => ({ role: s.role, service: s.service, probe: { path: '/' } })),
    traffic: { probeIntervalMs: 100, consecutiveHealthy: 3, switchTimeoutSeconds: 60 },
    preflightHealth: { workflowType: HEALTH_WORKFLOW, input: health },
    gates: {
      health: { workflowType: HEALTH_WORKFLOW, input: health },
      rollback: { workflowType: ROLLBACK_WORKFLOW, input: rollbackInputFor(sandbox, { mode: 'apply', environment }) },
    },
    webUiUrl: `http://localhost:8233/namespaces/default/workflows/traffic-${environment}-convex`,
    ...over,
  };
}

/** Why the rollout workflow tests cannot run: they never skip, so a missing binary fails the run. */
export function missingTimeSkippingServer(path: string | undefined): string | undefined {
  if (path && fs.existsSync(path)) return undefined;
  return `the time-skipping test server is not installed${path ? ` (${path} does not exist)` : ''}: run \`npm run setup\` (the README's test command does), or set TEMPORAL_TEST_SERVER to its path`;
}

type TimeSkippingFactory = {
  create(opts: {
    server: { type: 'time-skipping'; executable: { type: 'existing-path'; path: string } };
    supportsTimeSkipping: true;
    connectionOptions: { channelArgs: Record<string, number> };
  }): Promise<TestWorkflowEnvironment>;
};

/**
 * The Java test server allows a client's keepalive ping at most every 5 minutes (grpc-java's
 * default), and the SDK's client pings every 30 s of silence. During a long `env.sleep` the server
 * answers with GOAWAY "too_many_pings" and drops the connection: the sleep is cancelled or retried
 * and the test stalls for minutes (seen in CI on the 10-simulated-day compensation test). A local
 * connection needs no keepalive, so it is turned off. `createTimeSkipping` takes no connection
 * options; this calls the factory it wraps with the same arguments plus those.
 */
function createTimeSkippingWithoutKeepalive(path: string): Promise<TestWorkflowEnvironment> {
  return (TestWorkflowEnvironment as unknown as TimeSkippingFactory).create({
    server: { type: 'time-skipping', executable: { type: 'existing-path', path } },
    supportsTimeSkipping: true,
    connectionOptions: { channelArgs: { 'grpc.keepalive_time_ms': -1, 'grpc.keepalive_permit_without_calls': 0 } },
  });
}

/**
 * A time-skipping test server (the Java test server set-up installed), with drillctl's search
 * attributes registered. Throws when set-up could not install it: a test that needs it never skips.
 */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const path = temporalTestServerPath();
  const missing = missingTimeSkippingServer(path);
  if (missing) throw new Error(missing);
  const env = await createTimeSkippingWithoutKeepalive(path!);
  await env.connection.operatorService.addSearchAttributes({
    namespace: env.namespace ?? 'default',
    // Every drillctl attribute is a Keyword: IndexedValueType 2.
    searchAttributes: Object.fromEntries(ALL_SEARCH_ATTRIBUTES.map((k) => [k.name, 2])),
  });
  return env;
}
