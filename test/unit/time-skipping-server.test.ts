import assert from 'node:assert/strict';
import { temporalTestServerPath } from '../../src/temporal/binaries';
import { missingTimeSkippingServer } from '../support/rollout-sandbox';

// The rollout workflow tests run on the time-skipping test server and never skip: a machine
// without it fails with how to install it, instead of going green having run none of them.
describe('time-skipping test server', () => {
  it('is installed by the README test command (set-up), so the rollout workflow tests run', () => {
    assert.equal(missingTimeSkippingServer(temporalTestServerPath()), undefined);
  });

  it('when missing, fails with the fix instead of skipping', () => {
    assert.match(missingTimeSkippingServer(undefined) ?? '', /time-skipping test server is not installed: run `npm run setup`/);
    assert.match(missingTimeSkippingServer('/nonexistent/temporal-test-server') ?? '', /\/nonexistent\/temporal-test-server does not exist/);
  });
});
