/**
 * Upper bounds of every configurable duration, so each one is a wait the code can honour.
 *
 * Waits inside a process (an HTTP timeout, a command's kill timer, a probe interval) end up in
 * `setTimeout`, which Node clamps to 1 ms, with a warning, above 2^31-1 ms (about 24.8 days): a
 * larger value would fire at once. Their caps sit far below that, at what a single call can
 * sensibly take. Waits the workflow holds (a bake, an approval, an attestation) are Temporal
 * timers, which have no such limit; their caps are what a rollout can sensibly wait for, so a
 * typo (`30d` for `30m` is fine, `3000d` is not) is caught when the plan is read.
 */
export const SET_TIMEOUT_MAX_MS = 2 ** 31 - 1;

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

export const DURATION_CAPS_MS = {
  /** One HTTP request of a probe, health check, metric reading or notification. */
  httpRequest: 5 * MINUTE,
  /** Between two probe requests of a rollback or rollout switch. */
  probeInterval: MINUTE,
  /** A cohort hook's command or HTTP call. */
  hook: HOUR,
  /** A runtime command of the replay drill (reproject, seed, cleanup). */
  runtimeCommand: DAY,
  /** Waiting for the data plane to show a traffic switch; the RTO target; holding the rollback target. */
  trafficSwitch: DAY,
  /** Clock skew tolerated between the worker and the runtime. */
  clockSkew: 10 * MINUTE,
  /** Between two analysis readings of a bake. */
  analysisInterval: DAY,
  /** Workflow timers: a bake, an approval or attestation wait, the analysis stop rule. */
  workflowWait: 90 * DAY,
} as const;
