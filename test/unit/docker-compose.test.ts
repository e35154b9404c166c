import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

interface ComposeService {
  image?: string;
  build?: unknown;
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
  command?: string[];
}

// No Docker engine runs here, so the file is checked for the facts a team relies on.
describe('docker-compose.yml', () => {
  const root = path.resolve(__dirname, '..', '..');
  const compose = parse(fs.readFileSync(path.join(root, 'docker-compose.yml'), 'utf8')) as { services: Record<string, ComposeService> };
  const s = compose.services;

  it('runs Temporal on PostgreSQL, the Web UI and a worker built from this repo', () => {
    assert.equal(s.temporal?.environment?.DB, 'postgres12');
    assert.equal(s.temporal?.environment?.POSTGRES_SEEDS, 'postgresql');
    assert.match(s.postgresql?.image ?? '', /^postgres:/);
    assert.match(s['temporal-ui']?.image ?? '', /^temporalio\/ui:/);
    assert.ok(s.worker?.build, 'worker is built from the repo');
    assert.equal(s.worker?.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    assert.ok(fs.existsSync(path.join(root, 'Dockerfile')));
  });

  it('pins every image to an exact version', () => {
    for (const [name, svc] of Object.entries(s)) {
      if (!svc.image) continue;
      assert.match(svc.image, /:\d+\.\d+(\.\d+)?/, `${name} image ${svc.image} is not pinned`);
      assert.doesNotMatch(svc.image, /:latest$/);
    }
  });

  it('has health checks and starts services only when their dependencies are healthy', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) assert.ok(s[name]?.healthcheck?.test.length, `${name} has no healthcheck`);
    assert.equal(s.temporal?.depends_on?.postgresql?.condition, 'service_healthy');
    assert.equal(s.worker?.depends_on?.temporal?.condition, 'service_healthy');
  });

  it('registers every search attribute the workflows use', () => {
    const command = s['temporal-search-attributes']?.command?.join(' ') ?? '';
    for (const key of ALL_SEARCH_ATTRIBUTES) assert.ok(command.includes(key.name), `${key.name} not registered`);
  });
});
