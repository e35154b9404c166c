import assert from 'node:assert/strict';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import type { Config } from '../../src/domain/config/schema';
import type { DecisionPayload } from '../../src/domain/decision-signature';
import { renderRolloutMarkdown } from '../../src/domain/rollout/report';
import { describeAllocation } from '../../src/domain/traffic/allocation';
import { signDecision } from '../../src/signing/sign-decision';
import { abortUpdate, finishedRollout, overrideWindowSignal, overrideWindowUpdate, rolloutStatusQuery, type RolloutStatus, type WindowOverrideRequest } from '../../src/contracts/rollout';
import { uniqueEnvironment } from '../support/rollback-sandbox';
import { BACKEND, CANDIDATE, DASHBOARD, rolloutInputFor, startTestEndpoint, STABLE, trafficOf, type TestEndpoint } from '../support/rollout-sandbox';
import { signingKeys, useTimeSkippingRollouts } from '../support/time-skipping-rollouts';
import { tempDir } from '../support/worker';
import { registerRollout } from '../support/worker-config';

const TASK_QUEUE = 'change-windows-test';
const HOUR = 3_600_000;

const plan = `
environment: $ENV
serviceGroup: convex
steps:
  - { name: canary, percent: 10, bake: 1h, approval: { required: false } }
  - { name: full, percent: 100, bake: 10m, approval: { required: false } }
`;

describe('change windows and freezes (time-skipping test server, real activities, Cloud Run emulator)', function () {
  const { keys, allowedSignersFile } = signingKeys(tempDir('windows'), ['alice']);
  const key = keys.alice.key;
  // The worker's own config: each test declares its environment, with its freeze, here.
  const config: Config = { environments: {} };
  const rollouts = useTimeSkippingRollouts(TASK_QUEUE, config, 'windows');
  const endpoints: TestEndpoint[] = [];
  afterEach(async () => {
    for (const e of endpoints.splice(0)) await e.stop();
  });

  /** A rollout in a new environment frozen from `fromMs` to `untilMs` (test server time), for `reason`. */
  async function startFrozen(fromMs: number, untilMs: number, reason: string, chat?: TestEndpoint): Promise<WorkflowHandle> {
    const environment = uniqueEnvironment('cw');
    const request = registerRollout(config, rolloutInputFor(rollouts.sandbox, environment, plan));
    config.environments[environment]!.signing = { allowedSignersFile, required: false };
    if (chat) config.environments[environment]!.rollout = { ...config.environments[environment]!.rollout, notifications: { chat: { webhook: chat.url } }, notify: 'chat' };
    config.environments[environment]!.changeWindows = { timeZone: 'UTC', freezes: [{ from: new Date(fromMs).toISOString(), until: new Date(untilMs).toISOString(), reason }] };
    return rollouts.start(request);
  }

  const status = (h: WorkflowHandle): Promise<RolloutStatus> => h.query(rolloutStatusQuery);
  const { until } = rollouts;
  const waitingAt = (step: string) => (s: RolloutStatus) => s.changeWindow?.step === step;
  const shifted = (step: string) => (s: RolloutStatus) => !!s.steps.find((r) => r.name === step)?.shiftedAt;
  const currentDetails = async (h: WorkflowHandle): Promise<string> => (await h.query<{ currentDetails?: string }>('__temporal_workflow_metadata')).currentDetails ?? '';
  const stable = (): string[] => [BACKEND, DASHBOARD].map((s) => describeAllocation(trafficOf(rollouts.sandbox, s)));

  it('a step due during a freeze waits, naming the freeze in status and the Web UI, and advances when it ends', async () => {
    const now = await rollouts.env.currentTimeMs();
    const freezeEnds = now + 3 * HOUR;
    const chat = await startTestEndpoint();
    endpoints.push(chat);
    const h = await startFrozen(now - HOUR, freezeEnds, 'Payments migration', chat);
    const s = await until(h, 'canary waits for the window', waitingAt('canary'));
    assert.equal(s.changeWindow!.cause, 'freeze');
    assert.deepEqual(s.changeWindow!.freeze?.reason, 'Payments migration');
    assert.match(s.changeWindow!.detail, /^change freeze "Payments migration" \(.+ UTC\) until .+; next opening .+ UTC$/);
    assert.equal(s.changeWindow!.nextOpeningAt, new Date(freezeEnds).toISOString());
    assert.ok(s.timeline.some((t) => t.event === 'window-wait' && t.step === 'canary' && t.detail.includes('Payments migration')));
    assert.match(await currentDetails(h), /Step \*\*canary\*\* \(10 %\): the shift to 10 % \*\*waits for the change window\*\*: change freeze "Payments migration"/);
    assert.deepEqual(stable(), [`${STABLE[BACKEND]} 100%`, `${STABLE[DASHBOARD]} 100%`], 'nothing shifted during the freeze');
    const told = chat.calls.map((c) => (c.body as { text: string }).text).find((t) => t.includes('waiting for the change window'));
    assert.match(told ?? '', /step canary\): the shift to 10 % of step canary waits: change freeze "Payments migration"/, JSON.stringify(chat.calls));

    // The test server skips time to the next timer: the freeze's end.
    await rollouts.env.sleep(freezeEnds - (await rollouts.env.currentTimeMs()) + 1000);
    const after = await until(h, 'canary shifted', shifted('canary'));
    assert.equal(after.changeWindow, undefined);
    const canary = after.steps[0]!;
    assert.ok(Date.parse(canary.shiftedAt!) >= freezeEnds, `shifted at ${canary.shiftedAt}, the freeze ends at ${new Date(freezeEnds).toISOString()}`);
    assert.ok(after.timeline.some((t) => t.event === 'window-open' && t.step === 'canary'));
    assert.match(describeAllocation(trafficOf(rollouts.sandbox, BACKEND)), new RegExp(`${CANDIDATE[BACKEND]} 10%`));
    const result = await finishedRollout(h);
    assert.equal(result.outcome, 'promoted');
  });

  it('an abort during the wait restores stable traffic at once, without waiting for the freeze to end', async () => {
    const now = await rollouts.env.currentTimeMs();
    // The canary shifts before the freeze; the full step's turn comes during it.
    const freezeEnds = now + 10 * 24 * HOUR;
    const h = await startFrozen(now + 30 * 60_000, freezeEnds, 'Year-end change freeze');
    await until(h, 'canary shifted', shifted('canary'));
    const s = await until(h, 'full waits for the window', waitingAt('full'));
    assert.match(s.changeWindow!.detail, /Year-end change freeze/);
    assert.match(describeAllocation(trafficOf(rollouts.sandbox, BACKEND)), new RegExp(`${CANDIDATE[BACKEND]} 10%`), 'the canary still serves');
    const abortedAt = await rollouts.env.currentTimeMs();
    await h.executeUpdate(abortUpdate, { args: [{ by: 'dave', reason: 'candidate leaks memory' }] });
    const result = await finishedRollout(h);
    assert.equal(result.outcome, 'aborted');
    assert.equal(result.compensation, 'done');
    assert.deepEqual(stable(), [`${STABLE[BACKEND]} 100%`, `${STABLE[DASHBOARD]} 100%`], 'stable traffic restored on every service');
    const compensated = result.timeline.find((t) => t.event === 'compensated')!;
    assert.ok(Date.parse(compensated.at) - abortedAt < HOUR, `compensated at ${compensated.at}, aborted at ${new Date(abortedAt).toISOString()}: never held back by the freeze`);
  });

  it('a signed override lets the step start and is recorded in status, timeline and report; an unsigned one is refused', async () => {
    const now = await rollouts.env.currentTimeMs();
    const freezeEnds = now + 5 * 24 * HOUR;
    const h = await startFrozen(now - HOUR, freezeEnds, 'Black Friday');
    await until(h, 'canary waits for the window', waitingAt('canary'));
    const words: WindowOverrideRequest = { by: 'alice', step: 'canary', reason: 'security fix CVE-2026-1234 cannot wait' };
    const refused = (req: WindowOverrideRequest, expected: RegExp) =>
      assert.rejects(h.executeUpdate(overrideWindowUpdate, { args: [req] }), (err: unknown) => {
        assert.ok(err instanceof WorkflowUpdateFailedError, String(err));
        assert.match(err.cause?.message ?? '', expected);
        return true;
      });
    await refused(words, /an override of a change window must be signed: pass --key FILE/);
    await refused({ ...words, reason: ' ' }, /a reason is required to override a change window/);
    // The Web UI sends signals, which cannot be signed: refused and recorded, nothing changes.
    await h.signal(overrideWindowSignal, words);
    const webUi = await until(h, 'the signal is refused', (x) => x.timeline.some((t) => t.event === 'refused'));
    assert.match(webUi.timeline.find((t) => t.event === 'refused')!.detail, /overrideWindowSignal from alice refused: an override of a change window must be signed/);
    assert.equal(webUi.windowOverrides, undefined);
    const challenge = (await status(h)).decision!;
    const payload: DecisionPayload = { ...challenge, decision: 'override-window', reason: words.reason };
    const record = await h.executeUpdate(overrideWindowUpdate, { args: [{ ...words, by: 'mallory', signature: await signDecision(key, payload) }] });
    assert.equal(record.by, 'alice', 'the verified principal, not the typed name');
    assert.match(record.key ?? '', /^SHA256:/);
    assert.match(record.overrode, /the shift to 10 %: change freeze "Black Friday"/);

    const after = await until(h, 'canary shifted', shifted('canary'));
    assert.ok(Date.parse(after.steps[0]!.shiftedAt!) < freezeEnds, 'shifted during the freeze');
    assert.deepEqual(after.windowOverrides?.map((o) => [o.step, o.by, o.reason]), [['canary', 'alice', words.reason]]);
    assert.ok(after.timeline.some((t) => t.event === 'window-overridden' && t.by === 'alice' && t.detail.includes('CVE-2026-1234')));
    // The override was for canary: the next step waits for the freeze again.
    const next = await until(h, 'full waits for the window', waitingAt('full'));
    assert.match(next.changeWindow!.detail, /Black Friday/);
    await h.executeUpdate(abortUpdate, { args: [{ by: 'alice', reason: 'done testing' }] });
    const result = await finishedRollout(h);
    assert.match(renderRolloutMarkdown(result), /## Change Window Overrides\n\n- canary: by alice \(signed, key SHA256:\S+\) at \S+: "security fix CVE-2026-1234 cannot wait"; it let through: the shift to 10 %: change freeze "Black Friday"/);
  });
});
