import assert from 'node:assert/strict';
import { snapshotFolder, snapshotPath, snapshotRetention } from '../../src/activities/backup/snapshot-folder';
import { ConfigSchema } from '../../src/domain/config/schema';

describe('snapshots belong to the worker', () => {
  const config = ConfigSchema.parse({
    environments: {
      nonprod: { production: false, backup: { source: { url: 'https://convex.example', adminKey: 'env:K' }, snapshotDir: 'convex/nonprod', keepSnapshots: 9 } },
      prod: { production: true, backup: { source: { url: 'https://convex.example', adminKey: 'env:K' } } },
    },
  });
  const home = { dataDir: '/var/lib/drillctl', config };

  it("places an environment's snapshots in its backup.snapshotDir, relative to the worker's data dir", () => {
    assert.equal(snapshotFolder(home, 'nonprod'), '/var/lib/drillctl/convex/nonprod');
    assert.equal(snapshotFolder(home, 'prod'), '/var/lib/drillctl/snapshots', 'the default folder');
    assert.equal(snapshotFolder({ dataDir: '/data' }, 'nonprod'), '/data/snapshots', 'a worker without config');
    assert.equal(snapshotPath(home, { environment: 'nonprod' }, 'convex-nonprod-export-x.zip'), '/var/lib/drillctl/convex/nonprod/convex-nonprod-export-x.zip');
  });

  it("keeps the worker's retention, whatever the request says", () => {
    assert.equal(snapshotRetention(home, 'nonprod', 2), 9);
    assert.equal(snapshotRetention({ dataDir: '/d' }, 'nonprod', 2), 2);
  });

  it('refuses a name that would leave the folder; keeps the absolute paths of older drills', () => {
    assert.throws(() => snapshotPath(home, { environment: 'nonprod' }, '../../etc/passwd'), /must be a plain file name/);
    assert.throws(() => snapshotPath(home, { environment: 'nonprod' }, '.hidden.zip'), /must be a plain file name/);
    assert.equal(snapshotPath(home, {}, '/old/abs/path.zip'), '/old/abs/path.zip');
  });
});
