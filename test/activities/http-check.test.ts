import assert from 'node:assert/strict';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { httpCheck, type HttpCheckOutcome, type HttpCheckRequest } from '../../src/activities/probes/http-check';
import { DefaultLogger } from '@temporalio/worker';
import { freePort } from '../support/ports';
import { SERVING_REVISION_HEADER } from '../../src/domain/revision-header';
import { startRevisionServer, type RevisionServer } from '../../src/sandbox/revision-server';

describe('httpCheck activity', () => {
  let backend: RevisionServer;
  let dashboard: RevisionServer;
  before(async () => {
    // An identity sidecar names the revision (Cloud Run itself sends no such header).
    backend = await startRevisionServer({ revision: 'svc-00002-new', kind: 'backend', identityHeader: SERVING_REVISION_HEADER });
    dashboard = await startRevisionServer({ revision: 'dash-00001-abc', kind: 'dashboard' });
  });
  after(async () => {
    await backend.stop();
    await dashboard.stop();
  });
  afterEach(() => backend.setFault(null));

  const check = (req: HttpCheckRequest): Promise<HttpCheckOutcome> =>
    new MockActivityEnvironment({ attempt: 2 }, { logger: new DefaultLogger('ERROR') }).run(httpCheck, req) as Promise<HttpCheckOutcome>;

  it('passes a healthy backend and names the serving revision and attempt', async () => {
    const out = await check({ url: `${backend.url}/`, kind: 'body-contains', expect: 'Convex deployment is running', timeoutMs: 2000 });
    assert.equal(out.status, 200);
    assert.equal(out.servingRevision, 'svc-00002-new');
    assert.equal(out.attempt, 2);
  });

  it('fails retryably, with the reason, when the root body is wrong', async () => {
    backend.setFault({ kind: 'wrong-body' });
    await assert.rejects(check({ url: `${backend.url}/`, kind: 'body-contains', expect: 'Convex deployment is running', timeoutMs: 2000 }), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'HealthCheckFailed');
      assert.equal(err.nonRetryable, false);
      assert.match(err.message, /body does not contain "Convex deployment is running"/);
      return true;
    });
  });

  it('fails on an empty /version body', async () => {
    backend.setFault({ kind: 'empty-version' });
    await assert.rejects(check({ url: `${backend.url}/version`, kind: 'non-empty-body', timeoutMs: 2000 }), /empty body/);
  });

  it('accepts only the listed statuses without following redirects', async () => {
    const ok = await check({ url: `${dashboard.url}/login`, kind: 'status-in', expect: '200,302', timeoutMs: 2000 });
    assert.equal(ok.status, 302);
    await assert.rejects(check({ url: `${dashboard.url}/login`, kind: 'status-in', expect: '200', timeoutMs: 2000 }), /HTTP 302, expected 200/);
  });

  it('reports a refused connection clearly', async () => {
    const port = await freePort();
    await assert.rejects(check({ url: `http://127.0.0.1:${port}/version`, kind: 'non-empty-body', timeoutMs: 2000 }), new RegExp(`GET http://127.0.0.1:${port}/version failed: .*ECONNREFUSED`));
  });
});
