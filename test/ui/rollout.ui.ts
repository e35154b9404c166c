import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import type { Browser, Page } from 'playwright-core';
import { finishedRollout, rolloutStatusQuery, type RolloutResult } from '../../src/contracts/rollout';
import { trafficLockWorkflowId } from '../../src/contracts/traffic-lock';
import { runDrillctl } from '../support/drillctl';
import { openBrowser, openTab, screenshot, startWebUiStack, type WebUiStack, waitForText } from './browser';

// The Temporal Web UI of a finished staged rollout, in a real browser: the list filtered by its
// search attributes, the activity summaries in the timeline, the current details, and the
// approvals as Updates in the history. Screenshots go to test/ui/screenshots/ (not committed).

const ENVIRONMENT = 'sandbox-rollout';
const GROUP = 'convex';
const APPROVERS = { staff: 'alice', full: 'bob' } as const;

const PLAN = `description: two steps for the browser test
environment: ${ENVIRONMENT}
serviceGroup: ${GROUP}
candidates: { backend: latest, dashboard: latest }
finish: { traffic: pinned }
steps:
  - name: staff
    percent: 0
    tag: staff
    gates: [health]
    approval: { approvers: [alice, bob], allowInitiator: false, timeout: 30m, onTimeout: hold }
    bake: 2s
    hooks:
      - { name: cohort-flag, params: { cohort: staff } }
  - name: full
    percent: 100
    gates: [health]
    approval: { approvers: [alice, bob], allowInitiator: false, timeout: 30m, onTimeout: abort }
    bake: 2s
`;

describe('the Temporal Web UI of a finished staged rollout (chromium)', function () {
  this.timeout(600_000);
  let stack: WebUiStack | undefined;
  let browser: Browser;
  let page: Page;
  let uiBase: string;
  let result: RolloutResult;
  const workflowId = trafficLockWorkflowId(ENVIRONMENT, GROUP);

  before(async () => {
    stack = await startWebUiStack('ui-rollout');
    const { server, sandbox, home } = stack;
    uiBase = stack.uiBase;
    const env = { TEMPORAL_ADDRESS: server.address, DRILLCTL_HOME: home };
    const drillctl = (args: string[]) => runDrillctl(['--config', sandbox.configPath, ...args], env, 300_000);

    const plan = path.join(home, 'plan.yaml');
    fs.writeFileSync(plan, PLAN);
    const started = await drillctl(['rollout', 'start', '-f', plan, '--as', 'carol']);
    assert.equal(started.code, 0, started.stderr);
    const connection = await Connection.connect({ address: server.address });
    try {
      const handle = new Client({ connection }).workflow.getHandle(workflowId);
      for (const [step, approver] of Object.entries(APPROVERS)) {
        const deadline = Date.now() + 240_000;
        for (;;) {
          const s = await handle.query(rolloutStatusQuery).catch(() => undefined);
          if (s?.phase === 'awaiting-approval' && s.currentStep === step) break;
          if (Date.now() > deadline) assert.fail(`the rollout never waited for the approval of ${step}; last: ${s?.phase} at ${s?.currentStep}`);
          await new Promise((r) => setTimeout(r, 250));
        }
        const approved = await drillctl(['--env', ENVIRONMENT, 'rollout', 'approve', '--step', step, '--as', approver, '--reason', `${step}: promotion criteria met`]);
        assert.equal(approved.code, 0, approved.stderr);
      }
      result = await finishedRollout(handle);
    } finally {
      await connection.close();
    }
    assert.equal(result.verdict, 'PASS', result.conclusion?.summary);
    ({ browser, page } = await openBrowser());
  });

  after(async () => {
    await browser?.close();
    await stack?.stop();
  });

  const historyUrl = (): string => `${uiBase}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;

  it('finds the rollout in the workflow list by its search attributes', async () => {
    const query = `DrillKind="rollout" AND DrillEnvironment="${ENVIRONMENT}" AND DrillServiceGroup="${GROUP}" AND DrillOutcome="PASS"`;
    await page.goto(`${uiBase}/namespaces/default/workflows?query=${encodeURIComponent(query)}`);
    await page.getByText(workflowId).first().waitFor({ timeout: 60_000 });
    await screenshot(page, 'rollout-list');
    await page.goto(`${uiBase}/namespaces/default/workflows?query=${encodeURIComponent(`DrillKind="rollout" AND DrillOutcome="FAIL"`)}`);
    await page.getByText(/No Workflows|No results/i).first().waitFor({ timeout: 60_000 });
  });

  it('Search Attributes: kind, environment, group, the last step and the outcome', async () => {
    await page.goto(historyUrl());
    await openTab(page, 'Search Attributes');
    const text = await waitForText(page, (t) => t.includes('DrillOutcome') && t.includes('DrillServiceGroup'));
    for (const value of ['rollout', ENVIRONMENT, GROUP, 'PASS']) assert.ok(text.includes(value), `${value} not shown`);
    await screenshot(page, 'rollout-search-attributes');
  });

  it('User Metadata: the summary and the current details, rendered as text (no raw ** markup)', async () => {
    await page.goto(historyUrl());
    await openTab(page, 'User Metadata');
    const text = await waitForText(page, (t) => t.includes(`Staged rollout of ${GROUP} on ${ENVIRONMENT}`) && t.includes('Rollout finished: every service on its candidate'));
    assert.doesNotMatch(text, /\*\*/, 'markdown is rendered, not shown raw');
    await screenshot(page, 'rollout-user-metadata');
  });

  it('Timeline: the gates, shifts, probes, hooks and bakes with their summaries, as plain text', async () => {
    await page.goto(historyUrl());
    await openTab(page, 'Timeline');
    const text = await waitForText(page, (t) => t.includes('shiftTraffic') && t.includes('runCohortHook'));
    for (const s of result.services) {
      assert.ok(text.includes(`shiftTraffic • step staff: ${s.service} to`), `no shift summary of step staff for ${s.service}`);
      assert.ok(text.includes(`shiftTraffic • step full: ${s.service} to`), `no shift summary of step full for ${s.service}`);
      assert.ok(text.includes(`describeCloudRunService • read ${s.service}: traffic, status, revisions`), `no pre-flight read of ${s.service}`);
    }
    assert.ok(text.includes('runCohortHook • cohort hook cohort-flag: do'), 'no cohort hook summary');
    assert.match(text, /health gate before step staff of rollout/, 'the gate child workflow is in the timeline with its summary');
    assert.doesNotMatch(text, /\*\*/, 'summaries in the timeline are plain text');
    await screenshot(page, 'rollout-timeline');
  });

  it('History: the approvals are Updates named approve, carrying the approver and the reason', async () => {
    await page.goto(historyUrl());
    await page.getByText(/^Event History/).first().click();
    // Newest first: the last approval (step full, by bob) is near the top of a finished rollout's history.
    const listed = await waitForText(page, (t) => /Workflow Execution Update Accepted\s+Name\s+approve/.test(t));
    assert.match(listed, /Workflow Execution Update Completed/);
    await page.getByText('Workflow Execution Update Accepted').first().click();
    const opened = await waitForText(page, (t) => t.includes('Accepted Request') && t.includes('"reason"'));
    assert.match(opened, /"approver": "bob"/);
    assert.match(opened, /"step": "full"/);
    assert.match(opened, /"reason": "full: promotion criteria met"/);
    await screenshot(page, 'rollout-history-approval');
    for (const [step, approver] of Object.entries(APPROVERS)) assert.ok(result.approvals.some((a) => a.step === step && a.by === approver && a.via === 'update'), `${step}: approval by ${approver} not recorded as an Update`);
  });
});
