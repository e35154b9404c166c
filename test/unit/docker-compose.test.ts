import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { composeCheckBinary, loadCompose, type ComposeProject, type ComposeService } from '../support/compose-check';
import { tempDir } from '../support/worker';

const root = path.resolve(__dirname, '..', '..');
const composeFile = path.join(root, 'docker-compose.yml');
const adcFile = path.join(root, 'docker-compose.adc.yml');

/** `image:tag` lines of docker/image-pins.txt. */
function imagePins(): string[] {
  return fs.readFileSync(path.join(root, 'docker', 'image-pins.txt'), 'utf8').split('\n').map((l) => l.replace(/#.*/, '').trim()).filter(Boolean);
}

function dockerfileImages(): string[] {
  return [...fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8').matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!);
}

const shell = (svc: ComposeService | undefined): string => [...(svc?.entrypoint ?? []), ...(svc?.command ?? [])].join(' ');
const tagOf = (image: string | undefined): string => (image ?? '').split(':')[1] ?? '';

// No Docker engine runs here: the files are loaded, merged and validated by compose-go, the loader
// `docker compose` itself uses, and the facts a team relies on are checked on its result.
describe('docker-compose.yml', function () {
  this.timeout(600_000); // the first run builds the loader from the Go module proxy
  let project: ComposeProject;
  let s: Record<string, ComposeService>;

  before(() => {
    composeCheckBinary();
    const loaded = loadCompose([composeFile]);
    assert.equal(loaded.status, 0, `docker compose would refuse the file: ${loaded.stderr}`);
    project = loaded.project!;
    s = project.services;
  });

  it('the loader refuses a file that is not valid Compose (so a pass means something)', () => {
    const dir = tempDir('compose-broken');
    const broken = path.join(dir, 'docker-compose.yml');
    fs.writeFileSync(broken, fs.readFileSync(composeFile, 'utf8').replace('condition: service_completed_successfully', 'condition: service_finished'));
    const loaded = loadCompose([broken]);
    assert.equal(loaded.status, 1);
    assert.match(loaded.stderr, /service_finished|condition/);
  });

  it('runs the temporalio/server image after an admin-tools schema job, on PostgreSQL, without auto-setup', () => {
    for (const [name, svc] of Object.entries(s)) assert.doesNotMatch(svc.image ?? '', /auto-setup/, `${name} uses the deprecated auto-setup image`);
    assert.match(s.temporal?.image ?? '', /^temporalio\/server:/);
    assert.match(s['temporal-schema']?.image ?? '', /^temporalio\/admin-tools:/);
    assert.equal(tagOf(s['temporal-schema']?.image), tagOf(s.temporal?.image), 'admin-tools ships the schema of the same server version');
    assert.equal(s.temporal?.depends_on?.['temporal-schema']?.condition, 'service_completed_successfully');
    assert.equal(s['temporal-schema']?.depends_on?.postgresql?.condition, 'service_healthy');
    const schema = shell(s['temporal-schema']);
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d /etc/temporal/schema/postgresql/v12/']) assert.ok(schema.includes(step), `schema job lacks ${step}: ${schema}`);
    assert.match(schema, /temporal:temporal visibility:temporal_visibility/);
    assert.equal(s['temporal-schema']?.environment?.SQL_PLUGIN, 'postgres12');
    const env = s.temporal?.environment ?? {};
    assert.equal(env.DB, 'postgres12');
    assert.equal(env.POSTGRES_SEEDS, 'postgresql');
    assert.match(s.postgresql?.image ?? '', /^postgres:/);
  });

  it('mounts the dynamic config file the server requires, from the repository', () => {
    const target = s.temporal?.environment?.DYNAMIC_CONFIG_FILE_PATH;
    const mount = s.temporal?.volumes?.find((v) => v.target === target);
    assert.ok(mount, `nothing mounted at ${target}`);
    assert.equal(mount.type, 'bind');
    assert.ok(fs.existsSync(mount.source), `${mount.source} does not exist`);
  });

  it('registers the namespace and every search attribute the workflows use before the worker starts', () => {
    const setup = shell(s['temporal-setup']);
    assert.match(s['temporal-setup']?.image ?? '', /^temporalio\/admin-tools:/);
    assert.match(setup, /temporal operator namespace create -n default/);
    for (const key of ALL_SEARCH_ATTRIBUTES) assert.ok(setup.includes(key.name), `${key.name} not registered`);
    assert.match(setup, /search-attribute create --name \$name --type Keyword/);
    assert.equal(s.worker?.depends_on?.['temporal-setup']?.condition, 'service_completed_successfully');
  });

  it('has health checks, and starts the UI and the worker only once Temporal is healthy', () => {
    for (const name of ['postgresql', 'temporal', 'temporal-ui', 'worker']) assert.ok(s[name]?.healthcheck?.test?.length, `${name} has no healthcheck`);
    assert.equal(s['temporal-ui']?.depends_on?.temporal?.condition, 'service_healthy');
    assert.equal(s.worker?.depends_on?.temporal?.condition, 'service_healthy');
    assert.ok(s['temporal-ui']?.ports?.some((p) => p.target === 8080 && p.published === '8080'), 'Web UI on :8080');
  });

  it('gives the worker a writable data volume, its config read-only, and its metrics port', () => {
    const w = s.worker!;
    assert.ok(w.build, 'the worker is built from this repository');
    assert.equal(w.environment?.TEMPORAL_ADDRESS, 'temporal:7233');
    const home = w.environment?.DRILLCTL_HOME;
    const data = w.volumes?.find((v) => v.target === home);
    assert.equal(data?.type, 'volume', `a named volume at ${home}`);
    // A new named volume takes the ownership of the image's folder: the image must create it for `node`.
    const dockerfile = fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');
    assert.match(dockerfile, new RegExp(`mkdir -p ${home} && chown node:node ${home}`));
    assert.ok(dockerfile.indexOf(`chown node:node ${home}`) < dockerfile.lastIndexOf('USER node'));
    const config = w.volumes?.find((v) => v.target === w.environment?.DRILLCTL_CONFIG);
    assert.equal(config?.read_only, true);
    assert.equal(config?.source, path.join(root, 'drillctl.yaml'));
    assert.equal(w.environment?.DRILLCTL_METRICS_ADDRESS, '0.0.0.0:9464');
    assert.ok(w.ports?.some((p) => p.target === 9464));
    assert.equal(w.environment?.GOOGLE_APPLICATION_CREDENTIALS, undefined, 'no credentials by default: workload identity');
  });

  it('docker-compose.adc.yml mounts an ADC file as a secret and points the Google libraries at it', () => {
    const loaded = loadCompose([composeFile, adcFile], { DRILLCTL_ADC_FILE: '/keys/adc.json' });
    assert.equal(loaded.status, 0, loaded.stderr);
    const w = loaded.project!.services.worker!;
    const secret = w.secrets?.find((x) => x.source === 'gcp-adc');
    assert.ok(secret);
    assert.equal(w.environment?.GOOGLE_APPLICATION_CREDENTIALS, secret.target);
    assert.equal(loaded.project!.secrets?.['gcp-adc']?.file, '/keys/adc.json');
    assert.equal(w.environment?.TEMPORAL_ADDRESS, 'temporal:7233', 'the override keeps the rest of the worker');
  });

  it('pins every image to an exact tag listed in docker/image-pins.txt, and lists no image it does not use', () => {
    const used = [...Object.values(s).flatMap((svc) => (svc.image ? [svc.image] : [])), ...dockerfileImages()];
    const pins = imagePins();
    for (const image of used) {
      assert.match(image, /:\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/, `${image} is not pinned to an exact version`);
      assert.ok(pins.includes(image), `${image} is not in docker/image-pins.txt`);
    }
    for (const pin of pins) assert.ok(used.includes(pin), `docker/image-pins.txt lists ${pin}, which nothing uses`);
  });
});
