import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ServicesClient } from '@google-cloud/run';
import { Client, Connection } from '@temporalio/client';
import type { temporal } from '@temporalio/proto';
import { parse } from 'yaml';
import { cloudRunClientOptions } from '../../src/activities/traffic';
import type { ListedRun } from '../../src/client';
import { RELEASE_SERVICES } from '../../src/sandbox/rollout';
import type { RolloutResult } from '../../src/contracts/rollout';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { startCluster, type Cluster } from '../support/cluster/cluster';
import { DYNAMIC_CONFIG_FILE, NAMESPACE_RETENTION, SCHEMA_STORES, schemaCommands } from '../support/cluster/temporal-server';
import { repoRoot, type WorkerProcess } from '../support/worker';

const ROLLOUT_ID = 'traffic-sandbox-rollout-convex';
const STABLE = { backend: `${RELEASE_SERVICES.backend}-00011-v4r`, dashboard: `${RELEASE_SERVICES.dashboard}-00002-hwm` };
const CANDIDATE = { backend: `${RELEASE_SERVICES.backend}-00012-c7n`, dashboard: `${RELEASE_SERVICES.dashboard}-00003-q2d` };
const CANARY_BAKE_SECONDS = 20;

// Three steps, no approvals: the rollout runs by itself, so the only thing that can stop it is the kill.
const PLAN = `
environment: sandbox-rollout
serviceGroup: convex
candidates: { backend: latest, dashboard: latest }
steps:
  - name: canary
    percent: 10
    approval: { required: false }
    bake: ${CANARY_BAKE_SECONDS}s
    analysis: { interval: 2s, stopAfter: 30s, probes: [{ target: service, samples: 3, minSuccessRate: 1 }] }
  - name: half
    percent: 50
    approval: { required: false }
    bake: 2s
  - name: full
    percent: 100
    approval: { required: false }
    bake: 2s
`;

type Served = { revision: string; percent: number }[];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 180_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return assert.fail(`never saw ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`);
}

/** The SDK's default worker identity: the worker process's pid at this host. */
const identityOf = (worker: WorkerProcess): string => `${worker.child.pid}@`;

describe('drillctl on a Temporal cluster: PostgreSQL persistence, SQL visibility, two workers', function () {
  // Bringing the cluster up takes a minute or two on a busy two-core machine; each test bounds its own waits.
  this.timeout(600_000);
  let cluster: Cluster;
  let client: Client;
  let cloudRun: ServicesClient;

  before(async () => {
    cluster = await startCluster({ workers: 2 });
    const connection = await Connection.connect({ address: cluster.address });
    client = new Client({ connection, namespace: cluster.namespace });
    const { project, region, grpcAddress } = cluster.sandbox.cloudRun;
    cloudRun = new ServicesClient(cloudRunClientOptions({ project, region, apiEndpoint: grpcAddress, sandbox: true }));
  });
  after(async () => {
    await cloudRun?.close().catch(() => undefined);
    await client?.connection.close().catch(() => undefined);
    await cluster?.stop();
  });

  /** What Cloud Run reports a service serves, read through the real client; zero-percent entries left out. */
  async function served(service: string): Promise<Served> {
    const { project, region } = cluster.sandbox.cloudRun;
    const [svc] = await cloudRun.getService({ name: `projects/${project}/locations/${region}/services/${service}` });
    return (svc.traffic ?? []).filter((t) => (t.percent ?? 0) > 0).map((t) => ({ revision: t.revision ?? '', percent: t.percent ?? 0 }));
  }
  const drillctl = (...args: string[]) => cluster.drillctl(args);
  const listRuns = async (...filters: string[]): Promise<ListedRun[]> => {
    const r = await drillctl('--json', 'list', ...filters);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as ListedRun[];
  };

  it('runs on the server built from go.temporal.io/server, with drillctl\'s search attributes registered on SQL visibility', async () => {
    const info = await client.workflowService.getSystemInfo({});
    assert.equal(info.serverVersion, cluster.tools.temporalServerVersion);
    const attributes = await client.connection.operatorService.listSearchAttributes({ namespace: cluster.namespace });
    for (const name of ['DrillEnvironment', 'DrillServiceGroup', 'DrillKind', 'DrillStep', 'DrillOutcome']) {
      assert.ok(attributes.customAttributes?.[name] !== undefined, `${name} is registered`);
    }
    assert.equal(cluster.workers.length, 2);
  });

  it('docker-compose.yml runs what this test proves: the same server release, schema steps, namespace, search attributes and dynamic config', () => {
    interface Service { image?: string; environment?: Record<string, string>; command?: string[]; volumes?: { source?: string; target?: string }[] }
    const compose = parse(fs.readFileSync(path.join(repoRoot, 'docker-compose.yml'), 'utf8')) as { services: Record<string, Service> };
    const s = compose.services;
    // Docker images of a server release are promoted by hand, after its Go module: compose may run
    // an earlier patch of the release this test builds, never a later one or another release line.
    const built = cluster.tools.temporalServerVersion.split('.').map(Number);
    const image = /^temporalio\/server:(\d+)\.(\d+)\.(\d+)$/.exec(s.temporal?.image ?? '');
    assert.ok(image, `the server image is pinned to a release: ${s.temporal?.image}`);
    const composed = image.slice(1).map(Number);
    assert.deepEqual(composed.slice(0, 2), built.slice(0, 2), `compose runs ${s.temporal?.image}; this test proves ${cluster.tools.temporalServerVersion}`);
    assert.ok(composed[2]! <= built[2]!, `compose runs ${s.temporal?.image}, newer than the ${cluster.tools.temporalServerVersion} this test proves`);
    const tag = composed.join('.');
    for (const job of ['temporal-schema', 'temporal-setup']) assert.equal(s[job]?.image, `temporalio/admin-tools:${tag}`, `${job} runs the tools of the server's version`);

    const schemaJob = (s['temporal-schema']?.command ?? []).join(' ');
    assert.ok(schemaJob.includes(`for store in ${SCHEMA_STORES.map((st) => `${st.dir}:${st.database}`).join(' ')};`), `schema job databases: ${schemaJob}`);
    for (const args of schemaCommands('/etc/temporal/schema/postgresql/v12/$$dir/versioned')) {
      assert.ok(schemaJob.includes(`temporal-sql-tool --db $$db ${args.join(' ')};`), `schema job lacks ${args.join(' ')}: ${schemaJob}`);
    }
    assert.equal(s['temporal-schema']?.environment?.SQL_PLUGIN, 'postgres12');
    assert.equal(s.temporal?.environment?.DB, 'postgres12');

    const setupJob = (s['temporal-setup']?.command ?? []).join(' ');
    assert.ok(setupJob.includes(`temporal operator namespace create -n ${cluster.namespace} --retention ${NAMESPACE_RETENTION}`), setupJob);
    assert.ok(setupJob.includes(`for name in ${ALL_SEARCH_ATTRIBUTES.map((k) => k.name).join(' ')};`), `setup job attributes: ${setupJob}`);
    assert.ok(setupJob.includes('temporal operator search-attribute create --name $$name --type Keyword'), setupJob);

    const dynamicConfig = s.temporal?.environment?.DYNAMIC_CONFIG_FILE_PATH;
    const mount = s.temporal?.volumes?.find((v) => v.target === dynamicConfig);
    assert.equal(path.resolve(repoRoot, mount?.source ?? ''), DYNAMIC_CONFIG_FILE, 'the server mounts the dynamic config this test runs with');
    assert.equal(s.worker?.environment?.TEMPORAL_NAMESPACE, cluster.namespace);
  });

  it('the readiness gate passes, attested from the CLI, and its report reads back', async () => {
    const run = drillctl('--json', 'gate', 'run', '--as', 'carol');
    const gate = await until('the gate waiting for its attestation', async () => {
      const [running] = await listRuns('--kind', 'readiness-gate', '--env', 'sandbox');
      if (running?.status !== 'RUNNING') return undefined;
      const status = await drillctl('--json', 'gate', 'status', running.workflowId);
      return (JSON.parse(status.stdout) as { attestation: { state: string } }).attestation.state === 'waiting' ? running.workflowId : undefined;
    }, 300_000);
    const attest = await drillctl('gate', 'attest', gate, '--as', 'dave', '--reason', 'on-call docs reviewed');
    assert.equal(attest.code, 0, attest.stderr);
    const done = await run;
    assert.equal(done.code, 0, `${done.stdout}\n${done.stderr}`);
    const out = JSON.parse(done.stdout) as { result: { verdict: string; criteria: { status: string }[] } };
    assert.equal(out.result.verdict, 'PASS');
    assert.deepEqual(out.result.criteria.map((c) => c.status), ['PASS', 'PASS', 'PASS']);
    const report = await drillctl('report', gate);
    assert.equal(report.code, 0, report.stderr);
    assert.match(report.stdout, /Measured rollback RTO: \d+\.\d+ seconds/);
  });

  it('a three-step rollout survives SIGKILL of the worker running it mid-bake: the other worker promotes it, and a second rollout is refused meanwhile', async () => {
    const planFile = path.join(cluster.dir, 'rollout-three-steps.yaml');
    fs.writeFileSync(planFile, PLAN);
    assert.deepEqual(await served(RELEASE_SERVICES.backend), [{ revision: STABLE.backend, percent: 100 }]);
    const started = await drillctl('rollout', 'start', '-f', planFile, '--as', 'carol');
    assert.equal(started.code, 0, started.stderr);
    const handle = client.workflow.getHandle(ROLLOUT_ID);

    const canary = [{ revision: STABLE.backend, percent: 90 }, { revision: CANDIDATE.backend, percent: 10 }];
    await until('the canary split on both services', async () => {
      const [backend, dashboard] = [await served(RELEASE_SERVICES.backend), await served(RELEASE_SERVICES.dashboard)];
      return JSON.stringify(backend) === JSON.stringify(canary) && dashboard.length === 2 ? true : undefined;
    });
    const bakeSeenAt = Date.now();

    const second = await drillctl('rollout', 'start', '-f', planFile, '--as', 'dave');
    assert.equal(second.code, 1, second.stdout);
    assert.match(second.stderr, new RegExp(`service group convex in sandbox-rollout is already being changed by stagedRollout ${ROLLOUT_ID}`));

    // A few seconds into the bake, kill the worker that holds the rollout: the one that completed
    // its latest workflow task (sticky execution keeps it there while that worker lives).
    await new Promise((r) => setTimeout(r, Math.max(0, 4000 - (Date.now() - bakeSeenAt))));
    const history = await handle.fetchHistory();
    const lastCompleted = [...(history.events ?? [])].reverse().find((e) => e.workflowTaskCompletedEventAttributes)?.workflowTaskCompletedEventAttributes?.identity ?? '';
    const victim = cluster.workers.find((w) => lastCompleted.startsWith(identityOf(w)));
    assert.ok(victim, `no worker of ours completed the rollout's last workflow task (${lastCompleted})`);
    const survivor = cluster.workers.find((w) => w !== victim)!;
    await victim.kill('SIGKILL');
    const killedAtMs = Date.now();
    cluster.workers.splice(cluster.workers.indexOf(victim), 1);
    assert.deepEqual(await served(RELEASE_SERVICES.backend), canary, 'killed while the canary bakes');

    const watch = await drillctl('rollout', 'status', '--env', 'sandbox-rollout', '--watch');
    assert.equal(watch.code, 0, `${watch.stdout}\n${watch.stderr}`);
    assert.match(watch.stdout, /Outcome: \*\*PROMOTED\*\* \(PASS\)/);
    const result = (await handle.result()) as RolloutResult;
    assert.equal(result.outcome, 'promoted');
    assert.ok(result.steps[0]!.bakedMs >= CANARY_BAKE_SECONDS * 1000, `the canary baked ${result.steps[0]!.bakedMs} ms of ${CANARY_BAKE_SECONDS} s`);
    assert.equal(result.timeline.filter((t) => t.event === 'shifted').length, 3, 'each of the three shifts happened once');
    assert.deepEqual(await served(RELEASE_SERVICES.backend), [{ revision: CANDIDATE.backend, percent: 100 }]);
    assert.deepEqual(await served(RELEASE_SERVICES.dashboard), [{ revision: CANDIDATE.dashboard, percent: 100 }]);

    const eventMs = (e: temporal.api.history.v1.IHistoryEvent) => Number(String(e.eventTime?.seconds ?? 0)) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    const after = (await handle.fetchHistory()).events!.filter((e) => eventMs(e) > killedAtMs);
    const identities = new Set(after.map((e) => e.workflowTaskCompletedEventAttributes?.identity).filter((id): id is string => !!id));
    assert.ok(identities.size > 0, 'workflow tasks completed after the kill');
    for (const id of identities) assert.ok(id.startsWith(identityOf(survivor)), `after the kill only the surviving worker ran the rollout; saw ${id}`);

    // Back to two workers for what follows.
    await cluster.addWorker();
  });

  it('a schedule triggered once runs its drill on the cluster', async () => {
    const scheduleId = 'cluster-health-hourly';
    const created = await drillctl('schedule', 'create', 'health', '--every', '1h', '--id', scheduleId, '--paused');
    assert.equal(created.code, 0, created.stderr);
    assert.equal((await drillctl('schedule', 'trigger', scheduleId)).code, 0);
    const runId = await until('the triggered run in the schedule\'s recent runs', async () => {
      const listed = await drillctl('--json', 'schedule', 'list');
      const mine = (JSON.parse(listed.stdout) as { scheduleId: string; recentRuns: string[] }[]).find((s) => s.scheduleId === scheduleId);
      return mine?.recentRuns[0];
    });
    const result = (await client.workflow.getHandle(runId).result()) as { verdict: string };
    assert.equal(result.verdict, 'PASS');
    assert.equal((await drillctl('schedule', 'delete', scheduleId)).code, 0);
  });

  it('`drillctl list` filters by search attributes on SQL visibility', async () => {
    const rollouts = await until('the promoted rollout in visibility', async () => {
      const rows = await listRuns('--kind', 'rollout', '--env', 'sandbox-rollout', '--group', 'convex', '--outcome', 'PASS');
      return rows.length ? rows : undefined;
    }, 60_000);
    assert.deepEqual(rollouts.map((r) => [r.workflowId, r.status, r.kind, r.environment, r.group]), [[ROLLOUT_ID, 'COMPLETED', 'rollout', 'sandbox-rollout', 'convex']]);
    const health = await listRuns('--kind', 'health', '--env', 'sandbox');
    assert.ok(health.length >= 1 && health.every((r) => r.kind === 'health' && r.environment === 'sandbox'), JSON.stringify(health));
    assert.ok(health.some((r) => r.workflowId.startsWith('cluster-health-hourly')), 'the scheduled run is listed');
    const gates = await listRuns('--kind', 'readiness-gate', '--outcome', 'PASS');
    assert.equal(gates.length, 1, JSON.stringify(gates));
    assert.deepEqual(await listRuns('--kind', 'rollout', '--outcome', 'FAIL'), []);
    const human = await drillctl('list', '--env', 'nowhere');
    assert.equal(human.code, 0, human.stderr);
    assert.match(human.stdout, /No matching runs\./);
  });
});
