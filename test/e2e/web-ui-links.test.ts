import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startStack, type Stack } from '../support/stack';

describe('Web UI links printed by the CLI', function () {
  this.timeout(180_000);
  let stack: Stack;

  before(async () => {
    stack = await startStack('ui-links');
  });
  after(async () => {
    await stack?.stop();
  });

  it('default to the dev server UI, come from temporal.uiUrl in the config, and DRILLCTL_UI_URL wins over both', async () => {
    const link = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> => {
      const run = await stack.drillctl(['--json', ...args, 'drill', 'health'], { DRILLCTL_UI_URL: undefined, TEMPORAL_UI_URL: undefined, ...env });
      assert.equal(run.code, 0, run.stderr);
      return (JSON.parse(run.stdout) as { webUiUrl: string }).webUiUrl;
    };
    const port = Number(stack.address.split(':').pop());
    assert.match(await link([]), new RegExp(`^http://localhost:${port + 1000}/namespaces/default/workflows/health-`));

    const config = path.join(stack.home, 'with-ui-url.yaml');
    fs.writeFileSync(config, `temporal:\n  uiUrl: https://temporal-ui.example.com/\n${fs.readFileSync(stack.sandbox.configPath, 'utf8')}`);
    assert.match(await link(['--config', config]), /^https:\/\/temporal-ui\.example\.com\/namespaces\/default\/workflows\/health-[^/]+\/[0-9a-f-]+\/history$/);
    assert.match(await link(['--config', config], { DRILLCTL_UI_URL: 'http://localhost:8080' }), /^http:\/\/localhost:8080\/namespaces\/default\/workflows\/health-/);
  });
});
