import assert from 'node:assert/strict';
import { STUCK_ALARM_MAX_INTERVAL_MS, stuckAlarmDue, type StuckAlarm } from '../../src/domain/traffic';

const MIN = 60_000;

/** The workflow times at which a restore failing every `retryMs` from 0 to `untilMs` is announced. */
function announcements(retryMs: number, untilMs: number): number[] {
  const alarm: StuckAlarm = { raised: 0 };
  const at: number[] = [];
  for (let now = 0; now <= untilMs; now += retryMs) {
    if (!stuckAlarmDue(alarm, now)) continue;
    alarm.raised++;
    alarm.lastRaisedAtMs = now;
    at.push(now);
  }
  return at;
}

describe('stuck restore alarm', () => {
  it('announces at the first failure, then at 15 min, 30 min, 1 h, 2 h and every 4 h after', () => {
    const at = announcements(5 * MIN, 24 * 60 * MIN);
    const gaps = at.slice(1).map((t, i) => (t - at[i]!) / MIN);
    assert.equal(at[0], 0);
    assert.deepEqual(gaps.slice(0, 5), [15, 30, 60, 120, 240]);
    assert.ok(gaps.slice(4).every((g) => g === 240));
  });

  it('stays bounded over ten days of retries every five minutes', () => {
    const at = announcements(5 * MIN, 10 * 24 * 60 * MIN);
    assert.ok(at.length > 50 && at.length < 70, `${at.length} announcements`);
    assert.equal(Math.max(...at.slice(1).map((t, i) => t - at[i]!)), STUCK_ALARM_MAX_INTERVAL_MS);
  });

  it('a new run that carries the alarm neither forgets nor repeats it', () => {
    assert.equal(stuckAlarmDue({ raised: 3, lastRaisedAtMs: 1000 }, 1000 + 59 * MIN), false);
    assert.equal(stuckAlarmDue({ raised: 3, lastRaisedAtMs: 1000 }, 1000 + 60 * MIN), true);
  });
});
