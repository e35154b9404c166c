import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../src/domain/config/parse';
import { ChangeWindowsSchema, changeWindowVerdict, compileChangeWindows, insideWindow, nextOpening, type ChangeWindowsInput } from '../../src/domain/change-window';
import { freezeInstant } from '../../src/domain/change-window/freeze-time';
import { formatLocal, zonedInstant } from '../../src/domain/change-window/zoned-time';
import { windowOverrideRefusal, type ControlContext } from '../../src/domain/rollout/controls';
import { parseRolloutPlan } from '../../src/domain/rollout/plan-context';
import { planTimeline, renderPlanTimeline } from '../../src/domain/rollout/plan-timeline';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
const compiled = (input: ChangeWindowsInput) => compileChangeWindows(ChangeWindowsSchema.parse(input));
const officeHours = compiled({ timeZone: 'Europe/Berlin', allowed: [{ days: ['mon-fri'], hours: '09:00-17:00' }] });

function configIssues(changeWindows: string): string[] {
  const text = `
environments:
  prod:
    production: true
    changeWindows:
${changeWindows.replace(/^/gm, '      ')}
`;
  try {
    parseConfig(text, 'drillctl.yaml');
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err.issues;
  }
  return [];
}

describe('change windows: config', () => {
  it('accepts windows and freezes in a named time zone', () => {
    const issues = configIssues(`timeZone: Europe/Berlin
allowed:
  - { days: [mon-thu], hours: "09:00-17:00" }
  - { days: [fri], hours: "09:00-12:00" }
freezes:
  - { from: 2026-12-20, until: 2027-01-04, reason: Year-end change freeze }
  - { from: "2026-11-26T18:00", until: "2026-11-27T06:00:00Z", reason: Black Friday }`);
    assert.deepEqual(issues, []);
  });

  it('refuses what it cannot read, naming the field and what was expected', () => {
    const issues = configIssues(`timeZone: Europe/Berlyn
allowed:
  - { days: [monday], hours: "9-17" }
  - { days: [sat], hours: "10:00-10:00" }
freezes:
  - { from: 2027-01-04, until: 2026-12-20, reason: backwards }
  - { from: 2026-02-30, until: 2026-03-02, reason: "" }
  - { from: 2026-01-01, until: 2028-01-01, reason: too long }
  - { from: 2026-01-01, to: 2026-01-02, reason: typo }`);
    const has = (path: string, text: string | RegExp) => assert.ok(issues.some((i) => i.startsWith(`environments.prod.changeWindows.${path}:`) && (typeof text === 'string' ? i.includes(text) : text.test(i))), `${path} ${text}\n${issues.join('\n')}`);
    has('timeZone', 'expected an IANA time zone name like Europe/Berlin');
    has('allowed.0.days.0', 'expected a day (mon, tue, wed, thu, fri, sat, sun) or a range like mon-fri');
    has('allowed.0.hours', 'expected hours like 09:00-17:00');
    has('allowed.1.hours', 'write 00:00-24:00 for the whole day');
    has('freezes.1.reason', 'say why');
    has('freezes.3', /unknown key "to"; expected one of: from, until, reason/);
    has('freezes.3.until', 'required: a date (2026-12-20)');
    // Freeze order is checked only once the time zone is one Intl knows.
    const ordered = configIssues(`timeZone: UTC
freezes:
  - { from: 2027-01-04, until: 2026-12-20, reason: backwards }
  - { from: 2026-02-30, until: 2026-03-02, reason: not a date }
  - { from: 2026-01-01, until: 2028-01-01, reason: too long }`);
    assert.ok(ordered.some((i) => i.startsWith('environments.prod.changeWindows.freezes.0.until:') && i.includes('ends (2026-12-20) before it starts (2027-01-04)')), ordered.join('\n'));
    assert.ok(ordered.some((i) => i.startsWith('environments.prod.changeWindows.freezes.1.from:') && i.includes('not a real date')), ordered.join('\n'));
    assert.ok(ordered.some((i) => i.startsWith('environments.prod.changeWindows.freezes.2.until:') && i.includes('at most 366 days')), ordered.join('\n'));
    assert.ok(configIssues('timeZone: UTC\nallowed: []').some((i) => i.includes('leave allowed out to allow every hour')));
  });
});

describe('change windows: wall clock in a named zone', () => {
  it('reads days and hours on the zone\'s clock, not UTC', () => {
    // Monday 2026-11-30: 08:30 UTC is 09:30 in Berlin (CET, +1).
    assert.equal(insideWindow(officeHours, at('2026-11-30T08:30:00Z')), true);
    assert.equal(insideWindow(officeHours, at('2026-11-30T07:59:00Z')), false, '08:59 in Berlin');
    assert.equal(insideWindow(officeHours, at('2026-11-30T15:59:00Z')), true, '16:59 in Berlin');
    assert.equal(insideWindow(officeHours, at('2026-11-30T16:00:00Z')), false, '17:00 in Berlin: the end is exclusive');
    assert.equal(insideWindow(officeHours, at('2026-11-28T10:00:00Z')), false, 'Saturday');
  });

  it('finds the next opening over a weekend', () => {
    assert.equal(iso(nextOpening(officeHours, at('2026-11-27T16:30:00Z'))), '2026-11-30T08:00:00.000Z', 'Friday 17:30 -> Monday 09:00 CET');
    assert.equal(iso(nextOpening(officeHours, at('2026-11-30T08:30:00Z'))), '2026-11-30T08:30:00.000Z', 'open now');
  });

  it('follows DST: the Monday after the clocks change opens at 09:00 local, an hour earlier in UTC', () => {
    // Berlin moves to CEST (+2) on Sunday 2026-03-29.
    assert.equal(iso(nextOpening(officeHours, at('2026-03-27T16:30:00Z'))), '2026-03-30T07:00:00.000Z');
    // New York moves to EDT (-4) on Sunday 2026-03-08.
    const ny = compiled({ timeZone: 'America/New_York', allowed: [{ days: ['mon-fri'], hours: '09:00-17:00' }] });
    assert.equal(iso(nextOpening(ny, at('2026-03-06T22:30:00Z'))), '2026-03-09T13:00:00.000Z');
    assert.equal(formatLocal(at('2026-03-09T13:00:00Z'), 'America/New_York'), 'Mon 2026-03-09 09:00 America/New_York');
  });

  it('a window starting in the hour DST skips opens when the skip ends', () => {
    const night = compiled({ timeZone: 'Europe/Berlin', allowed: [{ days: ['sun'], hours: '02:30-04:00' }] });
    // 02:00 -> 03:00 CEST at 01:00 UTC: 02:30 never happens; the clock reads 03:00 first.
    assert.equal(iso(zonedInstant({ year: 2026, month: 3, day: 29 }, 150, 'Europe/Berlin')), '2026-03-29T01:00:00.000Z');
    assert.equal(iso(nextOpening(night, at('2026-03-29T00:00:00Z'))), '2026-03-29T01:00:00.000Z');
    assert.equal(insideWindow(night, at('2026-03-29T01:30:00Z')), true, '03:30 CEST');
  });

  it('a time the clock shows twice when DST ends is its first occurrence, and both are inside', () => {
    const night = compiled({ timeZone: 'Europe/Berlin', allowed: [{ days: ['sun'], hours: '02:30-02:45' }] });
    // 03:00 CEST -> 02:00 CET at 01:00 UTC: 02:30 is 00:30 UTC and again 01:30 UTC.
    assert.equal(iso(nextOpening(night, at('2026-10-25T00:00:00Z'))), '2026-10-25T00:30:00.000Z');
    assert.equal(insideWindow(night, at('2026-10-25T01:35:00Z')), true, '02:35 CET, the second time round');
    assert.equal(insideWindow(night, at('2026-10-25T00:50:00Z')), false, '02:50 CEST');
    // The second 02:30 opens once the first window has closed.
    assert.equal(iso(nextOpening(night, at('2026-10-25T00:50:00Z'))), '2026-10-25T01:30:00.000Z');
  });

  it('a window past midnight belongs to the day it starts', () => {
    const nights = compiled({ timeZone: 'UTC', allowed: [{ days: ['fri'], hours: '22:00-06:00' }] });
    assert.equal(insideWindow(nights, at('2026-11-27T23:00:00Z')), true, 'Friday 23:00');
    assert.equal(insideWindow(nights, at('2026-11-28T05:59:00Z')), true, 'Saturday 05:59');
    assert.equal(insideWindow(nights, at('2026-11-28T06:00:00Z')), false, 'Saturday 06:00');
    assert.equal(insideWindow(nights, at('2026-11-27T05:00:00Z')), false, 'Friday 05:00 is Thursday\'s night');
    assert.equal(iso(nextOpening(nights, at('2026-11-28T07:00:00Z'))), '2026-12-04T22:00:00.000Z');
  });

  it('day ranges wrap over the weekend', () => {
    const weekend = compiled({ timeZone: 'UTC', allowed: [{ days: ['fri-mon'], hours: '00:00-24:00' }] });
    assert.deepEqual(['2026-11-26', '2026-11-27', '2026-11-28', '2026-11-29', '2026-11-30', '2026-12-01'].map((d) => insideWindow(weekend, at(`${d}T12:00:00Z`))), [false, true, true, true, true, false]);
  });
});

describe('change windows: freezes', () => {
  const holidays = compiled({ timeZone: 'Europe/Berlin', freezes: [{ from: '2026-12-24', until: '2026-12-26', reason: 'Christmas freeze' }] });

  it('a date alone freezes the whole day in the zone, through the last one', () => {
    assert.equal(iso(freezeInstant('2026-12-24', 'from', 'Europe/Berlin')), '2026-12-23T23:00:00.000Z');
    assert.equal(iso(freezeInstant('2026-12-26', 'until', 'Europe/Berlin')), '2026-12-26T23:00:00.000Z');
    assert.equal(iso(freezeInstant('2026-07-01T18:00', 'from', 'America/New_York')), '2026-07-01T22:00:00.000Z');
    assert.equal(iso(freezeInstant('2026-07-01T18:00:00+02:00', 'from', 'America/New_York')), '2026-07-01T16:00:00.000Z');
  });

  it('names the freeze and when it ends; without windows it opens the moment the freeze ends', () => {
    const v = changeWindowVerdict(holidays, at('2026-12-26T22:00:00Z'));
    assert.equal(v.open, false);
    assert.ok(!v.open);
    assert.equal(v.cause, 'freeze');
    assert.deepEqual(v.freeze, { reason: 'Christmas freeze', from: '2026-12-24', until: '2026-12-26' });
    assert.equal(v.nextOpeningAt, '2026-12-26T23:00:00.000Z');
    assert.equal(v.detail, 'change freeze "Christmas freeze" (2026-12-24 .. 2026-12-26, Europe/Berlin) until Sun 2026-12-27 00:00 Europe/Berlin; next opening Sun 2026-12-27 00:00 Europe/Berlin');
    assert.equal(changeWindowVerdict(holidays, at('2026-12-23T22:59:00Z')).open, true);
  });

  it('a freeze ending over a weekend opens at the next window; overlapping freezes chain', () => {
    const c = compiled({
      timeZone: 'Europe/Berlin',
      allowed: [{ days: ['mon-fri'], hours: '09:00-17:00' }],
      freezes: [
        { from: '2026-12-20', until: '2027-01-02', reason: 'Year-end' },
        { from: '2027-01-02T12:00', until: '2027-01-04T10:00', reason: 'Migration' },
      ],
    });
    const v = changeWindowVerdict(c, at('2026-12-21T10:00:00Z'));
    assert.ok(!v.open);
    assert.match(v.detail, /^change freeze "Year-end"/);
    assert.equal(v.nextOpeningLocal, 'Mon 2027-01-04 10:00 Europe/Berlin');
    const outside = changeWindowVerdict(c, at('2027-01-05T17:00:00Z'));
    assert.ok(!outside.open);
    assert.equal(outside.cause, 'outside-window');
    assert.equal(outside.detail, 'outside the change windows (mon-fri 09:00-17:00 Europe/Berlin); next opening Wed 2027-01-06 09:00 Europe/Berlin');
  });
});

describe('change windows: `rollout plan` shows when each step could start', () => {
  const plan = parseRolloutPlan(
    `environment: nonprod
serviceGroup: convex
steps:
  - { name: canary, percent: 10, bake: 2h, approval: { required: false } }
  - { name: half, percent: 50, bake: 24h, approval: { required: false } }
  - { name: full, percent: 100, bake: 1h, approval: { required: false } }
`,
    'plan.yaml',
  );
  const windows = compiled({
    timeZone: 'Europe/Berlin',
    allowed: [{ days: ['mon-fri'], hours: '09:00-17:00' }],
    freezes: [{ from: '2026-12-21', until: '2027-01-04', reason: 'Year-end change freeze' }],
  });

  it('each step waits for the next opening after the bake before it; the wait and its reason are shown', () => {
    // Friday 2026-12-18, 14:00 in Berlin.
    const t = planTimeline(plan, { windows, fromMs: at('2026-12-18T13:00:00Z') });
    assert.deepEqual(
      t.steps.map((s) => [s.name, s.window?.couldStartLocal, s.window?.waitMs]),
      [
        ['canary', 'Fri 2026-12-18 14:00 Europe/Berlin', 0],
        // Its turn is Friday 16:00, still inside the window.
        ['half', 'Fri 2026-12-18 16:00 Europe/Berlin', 0],
        // Its turn is Saturday 16:00: the weekend, then the freeze through Jan 4.
        ['full', 'Tue 2027-01-05 09:00 Europe/Berlin', at('2027-01-05T08:00:00Z') - at('2026-12-19T15:00:00Z')],
      ],
    );
    const text = renderPlanTimeline(t);
    assert.match(text, /could start: Fri 2026-12-18 14:00 Europe\/Berlin \(its turn; the window is open\)/);
    assert.match(text, /could start: Tue 2027-01-05 09:00 Europe\/Berlin, after waiting 16d 17h: outside the change windows \(mon-fri 09:00-17:00 Europe\/Berlin\)/);
    assert.match(text, /Change windows \(Europe\/Berlin\): the times above assume a start at 2026-12-18T13:00:00.000Z/);
    const frozen = planTimeline(plan, { windows, fromMs: at('2026-12-22T10:00:00Z') });
    assert.match(renderPlanTimeline(frozen), /1\. canary[^\n]*\n[^\n]*\n[^\n]*\n {3}could start: Tue 2027-01-05 09:00 Europe\/Berlin, after waiting 13d 22h: change freeze "Year-end change freeze" \(2026-12-21 \.\. 2027-01-04, Europe\/Berlin\)/);
  });

  it('without windows the timeline is as before', () => {
    const t = planTimeline(plan);
    assert.equal(t.windows, undefined);
    assert.ok(t.steps.every((s) => s.window === undefined));
    assert.doesNotMatch(renderPlanTimeline(t), /could start/);
  });
});

describe('change windows: who may override', () => {
  const waiting: ControlContext = { phase: 'shifting', currentStep: 'canary', policy: { required: true, approvers: ['alice', 'bob'], allowInitiator: false, onTimeout: 'abort' }, initiator: 'carol', paused: false, windowWait: 'the shift to 10 %: change freeze "Year-end"' };
  const req = { by: 'alice', reason: 'CVE fix', step: 'canary', signature: '-----BEGIN SSH SIGNATURE-----' };

  it('accepts a signed override with a reason from an approver of the waiting step', () => {
    assert.equal(windowOverrideRefusal(req, waiting), undefined);
    assert.equal(windowOverrideRefusal({ ...req, by: 'mallory' }, { ...waiting, identityPending: true }), undefined, 'who signed is checked once the worker has verified the signature');
  });

  it('refuses an unsigned one in every environment, one without a reason, for another step, when nothing waits, from the initiator or a stranger, and after the end', () => {
    assert.match(windowOverrideRefusal({ ...req, signature: undefined }, waiting) ?? '', /must be signed: pass --key FILE/);
    assert.match(windowOverrideRefusal({ ...req, reason: ' ' }, waiting) ?? '', /a reason is required to override a change window/);
    assert.match(windowOverrideRefusal({ ...req, step: 'full' }, waiting) ?? '', /step "full" is not the current step/);
    assert.match(windowOverrideRefusal(req, { ...waiting, windowWait: undefined }) ?? '', /step "canary" is not waiting for a change window \(it is shifting\)/);
    assert.match(windowOverrideRefusal({ ...req, by: 'carol' }, waiting) ?? '', /carol started this rollout and may not override the change window for step "canary"/);
    assert.match(windowOverrideRefusal({ ...req, by: 'mallory' }, waiting) ?? '', /mallory may not override the change window for step "canary"; allowed: alice, bob/);
    assert.match(windowOverrideRefusal(req, { ...waiting, phase: 'compensating', endReason: 'aborted by dave' }) ?? '', /the rollout was aborted \(aborted by dave\)/);
  });
});
