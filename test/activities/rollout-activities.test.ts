import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { createAnalysisActivities } from '../../src/activities/analysis';
import { createCohortActivities, type CohortHookRequest } from '../../src/activities/cohort';
import { createNotifyActivities } from '../../src/activities/notify';
import { ConfigSchema, type Config } from '../../src/domain/config/schema';
import type { AnalysisRequest, MetricReading, ProbeReading } from '../../src/domain/rollout/analysis';
import type { RolloutNotification } from '../../src/domain/rollout/notification';
import { startRevisionServer, type RevisionServer } from '../../src/sandbox/revision-server';
import { startTestEndpoint, type TestEndpoint } from '../support/rollout-sandbox';
import { tempDir } from '../support/worker';

/** Runs an activity function inside a real activity context (heartbeats, cancellation signal). */
function inActivity<A extends unknown[], R>(fn: (...args: A) => Promise<R>, ...args: A): Promise<R> {
  return new MockActivityEnvironment({ attempt: 1, heartbeatTimeoutMs: 30_000 }, { logger: new DefaultLogger('ERROR') }).run(fn, ...args) as Promise<R>;
}

async function failure(run: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await run;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  return assert.fail('expected a failure');
}

/** A worker config whose sandbox environment `e` declares the given rollout section. */
function workerConfig(rollout: object, environment = 'e'): Config {
  return ConfigSchema.parse({ environments: { [environment]: { sandbox: true, rollout } } });
}

describe('rollout activities: cohort hooks', () => {
  let flags: TestEndpoint;
  type Action = { http?: Record<string, unknown>; command?: Record<string, unknown> };
  /** Runs hook `staff-cohort`, declared in the worker's config with `action` for both directions. */
  const runDeclared = (action: Action, direction: 'do' | 'undo' = 'do', request: Partial<CohortHookRequest> = {}, params: string[] = []) =>
    inActivity(createCohortActivities({ config: workerConfig({ hooks: { 'staff-cohort': { params, do: action, undo: action } } }) }).runCohortHook, hook(direction, request));
  const hook = (direction: 'do' | 'undo' = 'do', over: Partial<CohortHookRequest> = {}): CohortHookRequest => ({ workflowId: 'traffic-e-g', environment: 'e', step: 'staff', hook: 'staff-cohort', direction, idempotencyKey: `traffic-e-g/staff/staff-cohort/${direction}`, ...over });
  const http = (over: Record<string, unknown> = {}): Action => ({ http: { method: 'PUT', url: `${flags.url}/cohorts/staff`, body: { enabled: true }, timeout: '5s', ...over } });
  const command = (argv: string[], over: Record<string, unknown> = {}): Action => ({ command: { argv, timeout: '20s', ...over } });

  before(async () => {
    flags = await startTestEndpoint();
  });
  after(() => flags.stop());
  beforeEach(() => {
    flags.calls.length = 0;
    flags.answer = () => ({ status: 200, body: '{"ok":true}' });
  });

  it('calls the HTTP hook with its JSON body, the idempotency key and a secret header resolved from a reference', async () => {
    process.env.ROLLOUT_TEST_FLAG_TOKEN = 'Bearer s3cret-token';
    const out = await runDeclared(http({ secretHeaders: { authorization: 'env:ROLLOUT_TEST_FLAG_TOKEN' } }));
    assert.equal(out.detail, `PUT ${flags.url}/cohorts/staff: HTTP 200`);
    assert.equal(flags.calls.length, 1);
    assert.deepEqual(flags.calls[0]!.body, { enabled: true });
    assert.equal(flags.calls[0]!.idempotencyKey, 'traffic-e-g/staff/staff-cohort/do');
  });

  it('a 4xx is the config\'s mistake (not retried); a 5xx is retried; an echoed secret never reaches the message', async () => {
    process.env.ROLLOUT_TEST_FLAG_TOKEN = 'Bearer s3cret-token';
    flags.answer = () => ({ status: 403, body: 'token Bearer s3cret-token is not allowed' });
    const rejected = await failure(runDeclared(http({ secretHeaders: { authorization: 'env:ROLLOUT_TEST_FLAG_TOKEN' } })));
    assert.equal(rejected.type, 'CohortHookRejected');
    assert.equal(rejected.nonRetryable, true);
    assert.match(rejected.message, /cohort hook staff-cohort \(do\): PUT .* answered HTTP 403: token \[redacted\] is not allowed; fix the hook in the worker's config/);
    assert.doesNotMatch(rejected.message, /s3cret/);
    flags.answer = () => ({ status: 503, body: 'maintenance' });
    const unavailable = await failure(runDeclared(http()));
    assert.equal(unavailable.type, 'CohortHookFailed');
    assert.equal(unavailable.nonRetryable, false);
    const missing = await failure(runDeclared(http({ secretHeaders: { authorization: 'env:ROLLOUT_TEST_UNSET_TOKEN' } })));
    assert.equal(missing.type, 'SecretUnavailable');
  });

  it('an HTTP hook failure carries only a short, redacted excerpt of the answer', async () => {
    process.env.ROLLOUT_TEST_FLAG_TOKEN = 'Bearer s3cret-token-0123456789';
    // An error page that echoes the request's headers, with the token past and across the cut.
    const page = `<html><body><h1>Internal error</h1><pre>authorization: Bearer s3cret-token-0123456789\n${'trace line\n'.repeat(400)}authorization: Bearer s3cret-token-0123456789</pre></body></html>`;
    flags.answer = () => ({ status: 500, body: page });
    const failed = await failure(runDeclared(http({ secretHeaders: { authorization: 'env:ROLLOUT_TEST_FLAG_TOKEN' } })));
    assert.match(failed.message, /answered HTTP 500: <html><body><h1>Internal error<\/h1><pre>authorization: \[redacted\] trace line/);
    assert.match(failed.message, /… \(\d+ more characters\); retrying$/);
    assert.doesNotMatch(failed.message, /s3cret/);
    assert.ok(failed.message.length < 400, `${failed.message.length} characters`);
    assert.doesNotMatch(failed.message, /\n/);
  });

  it('runs a command without a shell: argv reaches the program literally, secrets come as environment, the worker\'s environment does not leak', async () => {
    const dir = tempDir('hook-cmd');
    const out = path.join(dir, 'seen.json');
    const script = "require('fs').writeFileSync(process.argv[1], JSON.stringify({ argv: process.argv.slice(2), token: process.env.FLAG_TOKEN, key: process.env.DRILLCTL_HOOK_KEY, leak: process.env.ROLLOUT_TEST_WORKER_SECRET, mode: process.env.MODE }))";
    process.env.ROLLOUT_TEST_FLAG_TOKEN = 'tok-123';
    process.env.ROLLOUT_TEST_WORKER_SECRET = 'worker-only';
    const result = await runDeclared(command([process.execPath, '-e', script, out, '$(touch /tmp/pwned); echo `id`', '*'], { env: { MODE: 'staff' }, secretEnv: { FLAG_TOKEN: 'env:ROLLOUT_TEST_FLAG_TOKEN' } }));
    assert.match(result.detail, /exit 0/);
    const seen = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, unknown>;
    assert.deepEqual(seen, { argv: ['$(touch /tmp/pwned); echo `id`', '*'], token: 'tok-123', key: 'traffic-e-g/staff/staff-cohort/do', mode: 'staff' });
  });

  it('a failing command is retried with its last output line (secrets redacted); a missing program is not retried; a slow one is killed at its timeout', async () => {
    process.env.ROLLOUT_TEST_FLAG_TOKEN = 'tok-456';
    const failed = await failure(runDeclared(command([process.execPath, '-e', 'console.log("flag service said no to " + process.env.FLAG_TOKEN); process.exit(3)'], { secretEnv: { FLAG_TOKEN: 'env:ROLLOUT_TEST_FLAG_TOKEN' } }), 'undo'));
    assert.equal(failed.type, 'CohortHookFailed');
    assert.equal(failed.nonRetryable, false);
    assert.match(failed.message, /cohort hook staff-cohort \(undo\): .* exited with 3: flag service said no to \[redacted\]/);
    const missing = await failure(runDeclared(command(['definitely-not-a-program-7f3a'])));
    assert.equal(missing.type, 'CohortHookCommandNotFound');
    assert.equal(missing.nonRetryable, true);
    const slow = await failure(runDeclared(command([process.execPath, '-e', 'setTimeout(() => {}, 60000)'], { timeout: '1s' })));
    assert.match(slow.message, /was killed \(SIGKILL, over its 1s timeout\)/);
  });

  it('fills the plan\'s parameters into the declared hook', async () => {
    const out = await runDeclared(http({ url: `${flags.url}/cohorts/{cohort}`, body: { cohort: '{cohort}' } }), 'do', { params: { cohort: 'limited' } }, ['cohort']);
    assert.equal(out.detail, `PUT ${flags.url}/cohorts/limited: HTTP 200`);
    assert.deepEqual(flags.calls.map((c) => [c.path, c.body]), [['/cohorts/limited', { cohort: 'limited' }]]);
  });

  it('refuses, before any request and without retrying, a hook the worker\'s config lacks, one carried in the request, or bad parameters', async () => {
    const unknown = await failure(runDeclared(http(), 'do', { hook: 'staff-cohrot' }));
    assert.equal(unknown.type, 'CohortHookUnknown');
    assert.equal(unknown.nonRetryable, true);
    assert.match(unknown.message, /hook "staff-cohrot" is not declared in environments\.e\.rollout\.hooks of the worker's config; did you mean "staff-cohort"\?/);
    const otherEnv = await failure(runDeclared(http(), 'do', { environment: 'prod' }));
    assert.match(otherEnv.message, /environment "prod" is not in this worker's config/);
    const carried = await failure(runDeclared(http(), 'do', { action: { command: { argv: ['/bin/sh', '-c', 'touch /tmp/pwned'] } } } as Partial<CohortHookRequest>));
    assert.equal(carried.nonRetryable, true);
    assert.match(carried.message, /the request carries its own action; this worker runs only hooks its config declares/);
    const badParam = await failure(runDeclared(http({ url: `${flags.url}/cohorts/{cohort}` }), 'do', { params: { cohort: '../admin' } }, ['cohort']));
    assert.match(badParam.message, /params\.cohort: expected a short value/);
    const noConfig = await failure(inActivity(createCohortActivities().runCohortHook, hook()));
    assert.equal(noConfig.type, 'CohortHookUnknown');
    assert.equal(flags.calls.length, 0, 'nothing was called');
  });
});

describe('rollout activities: analysis readings', () => {
  let stable: RevisionServer;
  let candidate: RevisionServer;
  let metrics: TestEndpoint;
  const { readAnalysis } = createAnalysisActivities();
  before(async () => {
    stable = await startRevisionServer({ revision: 'b-00011', kind: 'backend', identityHeader: 'x-serving-revision' });
    candidate = await startRevisionServer({ revision: 'b-00012', kind: 'backend', identityHeader: 'x-serving-revision' });
    metrics = await startTestEndpoint((c) => {
      if (c.path === '/lag') return { status: 200, body: '{"lag":{"p95":17}}' };
      if (c.path === '/plain') return { status: 200, body: '0.004\n' };
      if (c.path === '/html') return { status: 200, body: '<html>' };
      return { status: 500, body: 'boom' };
    });
  });
  after(async () => {
    await stable.stop();
    await candidate.stop();
    await metrics.stop();
  });
  afterEach(() => candidate.setFault(null));

  const probe = (url: string | undefined, expect?: string[]) => ({ check: 'p', role: 'backend', target: 'tag' as const, url, samples: 5, revisionHeader: 'x-serving-revision', expectRevisions: expect, timeoutMs: 2000, minSuccessRate: 1 });
  const metric = (check: string, pathName: string, field?: string) => ({ check, url: `${metrics.url}${pathName}`, field, timeoutMs: 2000, max: 25 });

  it('probes count healthy answers, answers from the wrong revision and errors, and measure p95 latency', async () => {
    const req: AnalysisRequest = {
      probes: [
        { ...probe(`${candidate.url}/version`, ['b-00012']), check: 'healthy' },
        { ...probe(`${stable.url}/version`, ['b-00012']), check: 'wrong revision' },
        { ...probe(undefined), check: 'no url' },
      ],
      metrics: [],
    };
    const [healthy, wrong, noUrl] = (await inActivity(readAnalysis, req)) as ProbeReading[];
    assert.deepEqual([healthy!.samples, healthy!.successes, healthy!.wrongRevision], [5, 5, 0]);
    assert.ok(healthy!.p95LatencyMs !== undefined && healthy!.p95LatencyMs >= 0);
    assert.deepEqual([wrong!.successes, wrong!.wrongRevision], [0, 5]);
    assert.match(wrong!.lastError ?? '', /answered by b-00011, expected b-00012/);
    assert.equal(noUrl!.successes, 0);
    assert.match(noUrl!.lastError ?? '', /no URL for this tag/);
    candidate.setFault({ kind: 'http-error', status: 503 });
    const [failing] = (await inActivity(readAnalysis, { probes: [probe(`${candidate.url}/`, ['b-00012'])], metrics: [] })) as ProbeReading[];
    assert.equal(failing!.successes, 0);
    assert.match(failing!.lastError ?? '', /HTTP 503 from b-00012/);
  });

  it('metrics read a JSON field or a plain number; an unreadable metric is a reading with an error, never a thrown activity', async () => {
    const readings = (await inActivity(readAnalysis, {
      probes: [],
      metrics: [metric('lag', '/lag', 'lag.p95'), metric('ratio', '/plain'), metric('html', '/html', 'p95'), metric('down', '/down')],
    })) as MetricReading[];
    assert.deepEqual(readings.map((r) => [r.check, r.value, r.error?.replace(/127\.0\.0\.1:\d+/, 'HOST')]), [
      ['lag', 17, undefined],
      ['ratio', 0.004, undefined],
      ['html', undefined, 'http://HOST/html: answer is not JSON, so it has no field "p95" (starts with "<html>")'],
      ['down', undefined, 'http://HOST/down answered HTTP 500'],
    ]);
  });
});

describe('rollout activities: metric credentials from the worker\'s config', () => {
  it('sends an endpoint\'s credentials only under that endpoint\'s URL, and follows no redirect with them', async () => {
    const seen: [string, string | undefined][] = [];
    const server = http.createServer((req, res) => {
      seen.push([req.url ?? '', req.headers.authorization]);
      if (req.url === '/api/redirect') res.writeHead(302, { location: '/elsewhere' }).end();
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"value":3}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      process.env.ROLLOUT_TEST_METRICS_TOKEN = 'Bearer m-token';
      const config = workerConfig({ endpoints: { metrics: { url: `${base}/api`, secretHeaders: { authorization: 'env:ROLLOUT_TEST_METRICS_TOKEN' } } } });
      const { readAnalysis } = createAnalysisActivities({ config });
      const metric = (pathName: string) => ({ check: pathName, url: `${base}${pathName}`, field: 'value', timeoutMs: 2000, max: 25 });
      const readings = (await inActivity(readAnalysis, { environment: 'e', probes: [], metrics: ['/api/lag', '/apiary/lag', '/other', '/api/redirect'].map(metric) })) as MetricReading[];
      assert.deepEqual(seen.sort(), [
        ['/api/lag', 'Bearer m-token'],
        ['/api/redirect', 'Bearer m-token'],
        ['/apiary/lag', undefined],
        ['/other', undefined],
      ]);
      assert.match(readings.find((r) => r.check === '/api/redirect')!.error ?? '', /answered HTTP 302/);
      assert.equal(readings.find((r) => r.check === '/api/lag')!.value, 3);
      seen.length = 0;
      await inActivity(readAnalysis, { probes: [], metrics: [metric('/api/lag')] });
      assert.deepEqual(seen, [['/api/lag', undefined]], 'a request naming no environment gets no credentials');
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('rollout activities: notifications', () => {
  let hook: TestEndpoint;
  before(async () => {
    hook = await startTestEndpoint();
  });
  after(() => hook.stop());
  beforeEach(() => {
    hook.calls.length = 0;
    hook.answer = () => ({ status: 200, body: 'ok' });
  });

  const notifyWith = (dataDir: string) =>
    createNotifyActivities({
      dataDir,
      config: workerConfig(
        { notifications: { chat: { webhook: `${hook.url}/services/T000/B000/XXXX` }, other: { webhook: `${hook.url}/x` }, secret: { webhook: 'env:ROLLOUT_TEST_WEBHOOK' }, plain: { webhook: `${hook.url}/services/T/B/PLAINSECRET` } } },
        'nonprod',
      ),
    });
  const note = (key: string): RolloutNotification => ({ key, notice: 'awaiting-approval', environment: 'nonprod', group: 'convex', workflowId: 'traffic-nonprod-convex', step: 'limited', text: 'Step limited waits for approval by alice, bob.', webUiUrl: 'http://localhost:8233/namespaces/default/workflows/traffic-nonprod-convex' });

  it('posts a Slack-compatible message once per key, even across retries and worker restarts', async () => {
    const dataDir = tempDir('notify');
    const first = await notifyWith(dataDir).notifyRollout({ target: 'chat', notification: note('traffic-nonprod-convex#1:awaiting-approval') });
    assert.deepEqual(first, { key: 'traffic-nonprod-convex#1:awaiting-approval', sent: true });
    const again = await notifyWith(dataDir).notifyRollout({ target: 'chat', notification: note('traffic-nonprod-convex#1:awaiting-approval') });
    assert.deepEqual(again, { key: 'traffic-nonprod-convex#1:awaiting-approval', sent: false });
    assert.equal(hook.calls.length, 1);
    const body = hook.calls[0]!.body as { text: string; blocks: unknown[] };
    assert.match(body.text, /waiting for approval \(nonprod \/ convex, step limited\): Step limited waits for approval by alice, bob\. <http:\/\/localhost:8233\/.*\|Open in Temporal Web UI>/);
    assert.equal(hook.calls[0]!.idempotencyKey, 'traffic-nonprod-convex#1:awaiting-approval');
    await notifyWith(dataDir).notifyRollout({ target: 'other', notification: note('traffic-nonprod-convex#2:finished') });
    assert.equal(hook.calls.length, 2, 'a new change is a new message');
  });

  it('a webhook failure says why in a short, redacted excerpt, never echoing the secret URL', async () => {
    const dataDir = tempDir('notify-excerpt');
    process.env.ROLLOUT_TEST_WEBHOOK = `${hook.url}/services/T000/B000/SECRETPATH`;
    hook.answer = () => ({ status: 403, body: `invalid_token for /services/T000/B000/SECRETPATH ${'x'.repeat(5000)}` });
    const refused = await failure(notifyWith(dataDir).notifyRollout({ target: 'secret', notification: note('k-excerpt') }));
    assert.match(refused.message, /^webhook "secret" \(env:ROLLOUT_TEST_WEBHOOK\) answered HTTP 403: invalid_token for \[redacted\] x+… \(\d+ more characters\)$/);
    assert.doesNotMatch(refused.message, /SECRETPATH/);
    assert.ok(refused.message.length < 300, `${refused.message.length} characters`);
  });

  it('resolves a webhook from a secret reference and never names the secret URL in a failure', async () => {
    const dataDir = tempDir('notify-secret');
    process.env.ROLLOUT_TEST_WEBHOOK = `${hook.url}/services/T000/B000/SECRETPATH`;
    await notifyWith(dataDir).notifyRollout({ target: 'secret', notification: note('k1') });
    assert.equal(hook.calls[0]!.path, '/services/T000/B000/SECRETPATH');
    hook.answer = () => ({ status: 404, body: 'no_service' });
    const gone = await failure(notifyWith(dataDir).notifyRollout({ target: 'secret', notification: note('k2') }));
    assert.equal(gone.nonRetryable, true);
    assert.match(gone.message, /webhook "secret" \(env:ROLLOUT_TEST_WEBHOOK\) answered HTTP 404/);
    assert.doesNotMatch(gone.message, /SECRETPATH/);
    hook.answer = () => ({ status: 503, body: '' });
    const busy = await failure(notifyWith(dataDir).notifyRollout({ target: 'plain', notification: note('k3') }));
    assert.equal(busy.nonRetryable, false, 'a 5xx is retried');
    assert.doesNotMatch(busy.message, /PLAINSECRET/);
    hook.answer = () => ({ status: 200, body: 'ok' });
    const retried = await notifyWith(dataDir).notifyRollout({ target: 'plain', notification: note('k3') });
    assert.equal(retried.sent, true, 'nothing was recorded for the failed delivery, so the retry sends');
  });

  it('sends only to a target the worker\'s config declares: an unknown one, or a webhook in the request, is refused before any request', async () => {
    const dataDir = tempDir('notify-unknown');
    const unknown = await failure(notifyWith(dataDir).notifyRollout({ target: 'pager', notification: note('u1') }));
    assert.equal(unknown.type, 'NotificationTargetUnknown');
    assert.equal(unknown.nonRetryable, true);
    assert.match(unknown.message, /notification target "pager" is not declared in environments\.nonprod\.rollout\.notifications of this worker's config \(known: chat, other, secret, plain\)/);
    const carried = await failure(notifyWith(dataDir).notifyRollout({ target: 'chat', webhook: 'https://evil.example/x', notification: note('u2') } as never));
    assert.match(carried.message, /the request carries its own webhook/);
    const noConfig = await failure(createNotifyActivities({ dataDir }).notifyRollout({ target: 'chat', notification: note('u3') }));
    assert.equal(noConfig.type, 'NotificationTargetUnknown');
    assert.equal(hook.calls.length, 0);
  });
});
