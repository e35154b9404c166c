import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox';
import { runDrillctl } from '../support/drillctl';
import { devServer } from '../support/temporal';
import { startWorkerProcess, tempDir, type WorkerProcess } from '../support/worker';

interface OtlpSpan {
  name: string;
  traceId: string;
  attributes?: { key: string; value: { stringValue?: string } }[];
}
interface OtlpExport {
  resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: OtlpSpan[] }[] }[];
}

/** An OTLP/HTTP receiver (what a collector listens on at :4318), keeping what it is sent. */
async function startReceiver(): Promise<{ url: string; exports: OtlpExport[]; close(): Promise<void> }> {
  const exports: OtlpExport[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') exports.push(JSON.parse(body) as OtlpExport);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, exports, close: () => new Promise((r) => server.close(() => r())) };
}

describe('worker tracing (OpenTelemetry over OTLP/HTTP, a worker process)', function () {
  this.timeout(300_000);
  let sandbox: Sandbox;
  let worker: WorkerProcess;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  after(async () => {
    await worker?.kill('SIGTERM');
    await sandbox?.stop();
    await receiver?.close();
  });

  it('exports the workflow and activity spans of a health drill, in one trace, as drillctl-worker', async () => {
    const { address } = await devServer();
    const home = tempDir('tracing-home');
    sandbox = await startSandbox({ dataDir: tempDir('tracing-sandbox') });
    receiver = await startReceiver();
    worker = startWorkerProcess(address, { DRILLCTL_HOME: home, DRILLCTL_CONFIG: sandbox.configPath, OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_BSP_SCHEDULE_DELAY: '200' });
    await worker.ready;

    const run = await runDrillctl(['--config', sandbox.configPath, '--json', 'drill', 'health'], { TEMPORAL_ADDRESS: address, DRILLCTL_HOME: home });
    assert.equal(run.code, 0, `${run.stderr}\nworker:\n${worker.output()}`);

    const spans = (): { span: OtlpSpan; service?: string }[] =>
      receiver.exports.flatMap((e) => e.resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((span) => ({ span, service: rs.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue })))));
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && !(spans().some((s) => s.span.name === 'RunWorkflow:healthDrill') && spans().some((s) => s.span.name.startsWith('RunActivity:')))) {
      await new Promise((r) => setTimeout(r, 250));
    }
    const all = spans();
    const workflowSpan = all.find((s) => s.span.name === 'RunWorkflow:healthDrill');
    assert.ok(workflowSpan, `no workflow span among: ${all.map((s) => s.span.name).join(', ')}`);
    assert.equal(workflowSpan.service, 'drillctl-worker');
    const activitySpans = all.filter((s) => s.span.name.startsWith('RunActivity:') && s.span.traceId === workflowSpan.span.traceId);
    assert.ok(activitySpans.length > 0, `no activity span in the workflow's trace among: ${all.map((s) => `${s.span.name}@${s.span.traceId}`).join(', ')}`);
    assert.equal(activitySpans[0]!.service, 'drillctl-worker');
  });
});
