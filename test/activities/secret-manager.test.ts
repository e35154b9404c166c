import assert from 'node:assert/strict';
import { ApplicationFailure } from '@temporalio/common';
import { closeSecretManagerClients, SECRET_MANAGER_EMULATOR_ENV } from '../../src/activities/secret-manager';
import { resolveSecret } from '../../src/activities/secrets';
import { startSecretManagerSandbox, type SecretManagerSandbox } from '../../src/sandbox/secret-manager/emulator';

const VALUE = 'convex-admin-key|0123456789abcdef';

async function failure(p: Promise<unknown>): Promise<ApplicationFailure> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  }
  return assert.fail('expected the secret not to resolve');
}

describe('gcp: secret references (real @google-cloud/secret-manager client against the emulator)', () => {
  let sm: SecretManagerSandbox;
  let ref: string;
  before(async () => {
    sm = await startSecretManagerSandbox();
    process.env[SECRET_MANAGER_EMULATOR_ENV] = sm.address;
    ref = sm.addSecretVersion('convex-admin-key', `${VALUE}\n`);
  });
  after(async () => {
    delete process.env[SECRET_MANAGER_EMULATOR_ENV];
    await closeSecretManagerClients();
    await sm.stop();
  });
  afterEach(() => sm.clearFaults());

  it('resolves a version, `latest`, and a reference without a version', async () => {
    assert.equal(ref, 'gcp:projects/drillctl-sandbox/secrets/convex-admin-key/versions/1');
    assert.equal(await resolveSecret(ref), VALUE);
    assert.equal(await resolveSecret('gcp:projects/drillctl-sandbox/secrets/convex-admin-key/versions/latest'), VALUE);
    assert.equal(await resolveSecret('gcp:projects/drillctl-sandbox/secrets/convex-admin-key'), VALUE);
    assert.ok(sm.accessed().includes('projects/drillctl-sandbox/secrets/convex-admin-key/versions/latest'));
  });

  it('not found, permission denied and a disabled version each name the reference and the fix, never the value', async () => {
    const missing = 'gcp:projects/drillctl-sandbox/secrets/no-such-key/versions/1';
    const notFound = await failure(resolveSecret(missing));
    assert.equal(notFound.type, 'SecretUnavailable');
    assert.equal(notFound.nonRetryable, true);
    assert.match(notFound.message, /^secret gcp:projects\/drillctl-sandbox\/secrets\/no-such-key\/versions\/1 was not found in Secret Manager .*create it, or fix the reference/);

    sm.denyAccess('convex-admin-key');
    const denied = await failure(resolveSecret(ref));
    assert.equal(denied.nonRetryable, true);
    assert.match(denied.message, /the worker may not read secret gcp:projects\/drillctl-sandbox\/secrets\/convex-admin-key\/versions\/1 \(permission secretmanager\.versions\.access denied\): grant .*roles\/secretmanager\.secretAccessor/);
    sm.clearFaults();

    const second = sm.addSecretVersion('convex-admin-key', 'rotated');
    sm.setVersionEnabled('convex-admin-key', 2, false);
    const disabled = await failure(resolveSecret(second));
    assert.match(disabled.message, /secret gcp:.*\/versions\/2 cannot be read: the version is disabled/);
    for (const f of [notFound, denied, disabled]) assert.ok(!f.message.includes(VALUE) && !f.message.includes('rotated'), f.message);
  });

  it('refuses an emulator that is not on loopback', async () => {
    process.env[SECRET_MANAGER_EMULATOR_ENV] = 'secretmanager.example.com:443';
    try {
      assert.match((await failure(resolveSecret(ref))).message, /must be a loopback host:port/);
    } finally {
      process.env[SECRET_MANAGER_EMULATOR_ENV] = sm.address;
    }
  });
});
