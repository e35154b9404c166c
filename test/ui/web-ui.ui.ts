import assert from 'node:assert/strict';
import type { Browser, Page } from 'playwright-core';
import type { RollbackDrillResult } from '../../src/contracts/rollback';
import { runDrillctl } from '../support/drillctl';
import { openBrowser, openTab, screenshot, startWebUiStack, type WebUiStack, waitForText as waitForPageText } from './browser';

// The Temporal Web UI of a finished drill, in a real browser (Debian's chromium through
// playwright-core): what an operator relies on when they follow the link drillctl prints.
// Run with `npm run test:ui`; screenshots go to test/ui/screenshots/ (not committed).

describe('the Temporal Web UI of a finished rollback drill (chromium)', function () {
  this.timeout(600_000);
  let stack: WebUiStack | undefined;
  let browser: Browser;
  let page: Page;
  let result: RollbackDrillResult & { webUiUrl: string };
  let uiBase: string;

  before(async () => {
    stack = await startWebUiStack('ui-drill');
    const { server, sandbox, home } = stack;
    uiBase = stack.uiBase;
    const run = await runDrillctl(['--config', sandbox.configPath, '--json', 'drill', 'rollback', '--apply'], { TEMPORAL_ADDRESS: server.address, DRILLCTL_HOME: home }, 300_000);
    assert.equal(run.code, 0, run.stderr);
    result = JSON.parse(run.stdout) as RollbackDrillResult & { webUiUrl: string };

    ({ browser, page } = await openBrowser());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  it('the link drillctl printed opens this run in the Web UI', () => {
    assert.ok(result.webUiUrl.startsWith(`${uiBase}/namespaces/default/workflows/${encodeURIComponent(result.workflowId)}/`), result.webUiUrl);
  });

  it('finds the drill in the workflow list by its search attributes', async () => {
    const query = `DrillKind="rollback" AND DrillEnvironment="${result.environment}" AND DrillServiceGroup="${result.group}" AND DrillOutcome="PASS"`;
    await page.goto(`${uiBase}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText(result.workflowId).first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'drill-workflow-list');
    // A filter on another outcome does not list it: the attributes are what filters the list.
    await page.goto(`${uiBase}/namespaces/default/workflows?query=${encodeURIComponent('DrillKind="rollback" AND DrillOutcome="FAIL"')}`);
    await page.getByText(/No Workflows|No results/i).first().waitFor({ timeout: 60_000 });
  });

  it('the run\'s Search Attributes tab shows its kind, environment, group and outcome', async () => {
    await page.goto(result.webUiUrl);
    await tab('Search Attributes');
    const text = await waitForText((t) => t.includes('DrillOutcome') && t.includes('DrillServiceGroup'));
    for (const value of ['rollback', result.environment, result.group, 'PASS']) assert.ok(text.includes(value), `${value} not shown`);
    await screenshot(page, 'drill-search-attributes');
  });

  it('User Metadata: the summary and the current details, rendered (no raw ** markup)', async () => {
    await tab('User Metadata');
    const text = await waitForText((t) => t.includes(`Rollback drill (apply) on ${result.environment} / ${result.group}`) && /Rollback drill PASS: RTO [\d.]+ s/.test(t));
    assert.match(text, /traffic restored: yes/);
    assert.doesNotMatch(text, /\*\*/, 'markdown is rendered, not shown raw');
    await screenshot(page, 'drill-user-metadata');
  });

  it('Timeline: every activity with its summary (shift, probe, restore per service)', async () => {
    await tab('Timeline');
    const text = await waitForText((t) => t.includes('restoreTraffic'));
    for (const s of result.services) {
      assert.ok(text.includes(`shiftTraffic • shift ${s.service} to ${s.target}`), `no shift summary for ${s.service}`);
      assert.ok(text.includes(`restoreTraffic • restore ${s.service} to`), `no restore summary for ${s.service}`);
      assert.ok(text.includes(`probeServingRevision • rollback of ${s.service}: wait for`), `no probe summary for ${s.service}`);
    }
    await screenshot(page, 'drill-timeline');
  });

  const tab = (name: string): Promise<void> => openTab(page, name);
  const waitForText = (ready: (text: string) => boolean): Promise<string> => waitForPageText(page, ready);
});
