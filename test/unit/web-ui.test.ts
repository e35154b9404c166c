import assert from 'node:assert/strict';
import { parseConfig } from '../../src/domain/config/parse';
import { webUiBase, webUiUrlFromEnv, workflowHistoryUrl } from '../../src/temporal/web-ui';

describe('Web UI links', () => {
  it('point at the dev server UI (gRPC port + 1000) for a loopback address', () => {
    assert.equal(webUiBase({ address: '127.0.0.1:7233' }), 'http://localhost:8233');
    assert.equal(webUiBase({ address: 'localhost:17633' }), 'http://localhost:18633');
  });

  it('point at Temporal Cloud for a Cloud frontend, with the namespace in the path', () => {
    const url = workflowHistoryUrl({ address: 'prod.a1b2c.tmprl.cloud:7233', namespace: 'prod.a1b2c' }, 'rollback-nonprod-convex', 'run-1');
    assert.equal(url, 'https://cloud.temporal.io/namespaces/prod.a1b2c/workflows/rollback-nonprod-convex/run-1/history');
    assert.equal(webUiBase({ address: 'us-central1.gcp.api.temporal.io:7233' }), 'https://cloud.temporal.io');
  });

  it('point at port 8080 of the frontend host for another self-hosted cluster', () => {
    assert.equal(webUiBase({ address: 'temporal.internal:7233' }), 'http://temporal.internal:8080');
  });

  it('use a configured UI URL over any default (compose: the UI on :8080 next to a frontend on localhost:7233)', () => {
    const url = workflowHistoryUrl({ address: 'localhost:7233', namespace: 'default', uiUrl: 'http://localhost:8080/' }, 'health-nonprod');
    assert.equal(url, 'http://localhost:8080/namespaces/default/workflows/health-nonprod');
  });

  it('take DRILLCTL_UI_URL, then TEMPORAL_UI_URL, from the environment', () => {
    assert.equal(webUiUrlFromEnv({ DRILLCTL_UI_URL: 'http://a:1', TEMPORAL_UI_URL: 'http://b:2' }), 'http://a:1');
    assert.equal(webUiUrlFromEnv({ TEMPORAL_UI_URL: 'http://b:2' }), 'http://b:2');
    assert.equal(webUiUrlFromEnv({}), undefined);
  });

  it('read temporal.uiUrl from the config, and refuse one that is not a URL', () => {
    const env = 'environments:\n  nonprod:\n    production: false\n';
    assert.equal(parseConfig(`temporal:\n  uiUrl: http://localhost:8080\n${env}`, 'c.yaml').temporal?.uiUrl, 'http://localhost:8080');
    assert.throws(() => parseConfig(`temporal:\n  uiUrl: localhost-8080\n${env}`, 'c.yaml'), /temporal\.uiUrl/);
  });
});
