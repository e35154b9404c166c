import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { strictObject } from '../strict-object';
import { boundedDuration } from './duration-schema';
import { HOOK_NAME, PARAM_NAME } from './hook-schema';
import { MetricCheckSchema } from './metric-check-schema';
import { effectiveTags } from './step-tags';

export { effectiveTags };
export { MetricCheckSchema, type MetricCheck } from './metric-check-schema';

export type { CommandCall, HookAction, HttpCall } from './hook-schema';

/** Drills a step can require before it widens traffic; each runs as a child workflow. */
export const ROLLOUT_GATES = ['health', 'backup-restore', 'replay', 'rollback'] as const;
export type RolloutGate = (typeof ROLLOUT_GATES)[number];

const Name = z.string().regex(/^[a-z0-9][-a-z0-9]{0,39}$/, { message: 'expected a short lowercase name (letters, digits, dashes; at most 40)' });
/** Cloud Run's own rule for traffic tags (they become part of a host name). */
const Tag = z.string().regex(/^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$/, { message: 'expected a Cloud Run traffic tag: lowercase letters, digits and dashes, starting with a letter' });
const WorkflowWait = boundedDuration(DURATION_CAPS_MS.workflowWait);

const DECLARED_IN_CONFIG = "a plan names a hook declared in the worker's config (environments.ENV.rollout.hooks) and never carries its command, URL or headers";

/**
 * A cohort hook the worker's config declares, by name, with the parameters it takes. Values are
 * short words (they fill argv and URL placeholders): no leading dash, no slash, no spaces.
 */
export const CohortHookSchema = strictObject(
  {
    name: z.string().regex(HOOK_NAME, { message: 'expected the name of a hook declared in the config (lowercase letters, digits, dashes)' }),
    params: z
      .record(
        z.string().regex(PARAM_NAME, { message: 'expected a parameter name' }),
        z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.:@-]{0,63}$/, { message: 'expected a short value: letters, digits, _ . : @ - (not starting with -)' }),
      )
      .default({}),
  },
  { do: DECLARED_IN_CONFIG, undo: DECLARED_IN_CONFIG, command: DECLARED_IN_CONFIG, http: DECLARED_IN_CONFIG },
);

export const ApprovalSchema = strictObject({
  required: z.boolean().default(true),
  /** Who may approve (and skip a bake); empty means anyone, except the initiator unless allowInitiator. */
  approvers: z.array(z.string().min(1)).default([]),
  allowInitiator: z.boolean().default(false),
  /** How long to wait for a decision; absent means wait until someone decides or aborts. */
  timeout: WorkflowWait.optional(),
  /** What a missed timeout does: abort (and restore stable traffic) or hold at the current traffic. */
  onTimeout: z.enum(['abort', 'hold']).default('abort'),
});

export const ProbeCheckSchema = strictObject({
  /** `service`: the service URL (every user of the step's traffic split); `tag`: the step's tag URL (the cohort). */
  target: z.enum(['service', 'tag']).default('service'),
  path: z.string().startsWith('/', { message: 'expected a path starting with /' }).default('/'),
  /** Requests per reading. */
  samples: z.number().int().min(1).max(500).default(20),
  /** Share of answers below HTTP 400 (and, on a tag URL, from the candidate) a reading needs. */
  minSuccessRate: z.number().min(0).max(1).default(0.99),
  maxP95LatencyMs: z.number().positive().optional(),
  /** Roles (or service ids) to probe; default every service of the group. */
  services: z.array(z.string().min(1)).min(1).optional(),
});

export const AnalysisSchema = strictObject({
    /** Time between two readings during the bake. */
    interval: boundedDuration(DURATION_CAPS_MS.analysisInterval).default('1m'),
    probes: z.array(ProbeCheckSchema).default([]),
    metrics: z.array(MetricCheckSchema).default([]),
    /** The stop rule: a check failing for this long (or longer) aborts; 0s aborts on the first failing reading. */
    stopAfter: WorkflowWait.default('5m'),
    /**
     * A reading with too few requests (below a check's minSamples, or none at all) is never a pass:
     * `hold` keeps the step from advancing until one has enough, `fail` counts it as failing (the
     * stop rule applies), `abort` stops the rollout at once. Default hold.
     */
    onNotEnoughData: z.enum(['hold', 'fail', 'abort']).optional(),
  })
  .superRefine((a, ctx) => {
    if (a.probes.length === 0 && a.metrics.length === 0) ctx.addIssue({ code: 'custom', path: ['probes'], message: 'analysis needs at least one probe or metric check' });
  });

export const RolloutStepSchema = strictObject({
  name: Name,
  /** The candidate's share of the service URL's traffic, on every service of the group. */
  percent: z
    .number({ message: 'expected a number from 0 to 100' })
    .int({ message: 'expected a whole percent from 0 to 100' })
    .min(0, { message: 'percent must be from 0 to 100' })
    .max(100, { message: 'percent must be from 0 to 100' }),
  /** A traffic tag on the candidate: its own URL, for a cohort (staff) reached without a traffic share. Later steps keep it. */
  tag: Tag.optional(),
  hooks: z.array(CohortHookSchema).default([]),
  gates: z.array(z.enum(ROLLOUT_GATES, { error: (i) => `unknown gate ${JSON.stringify(i.input)}; expected one of ${ROLLOUT_GATES.join(', ')}` })).default([]),
  approval: ApprovalSchema.default({ required: true, approvers: [], allowInitiator: false, onTimeout: 'abort' }),
  /** How long the step holds before the next one may start. */
  bake: WorkflowWait.default('0s'),
  analysis: AnalysisSchema.optional(),
});

export const FinishSchema = strictObject({
  /** After the last step: `latest` makes traffic follow the latest Ready revision again, `pinned` keeps it on the candidate. */
  traffic: z.enum(['latest', 'pinned']).default('pinned'),
});

export const NotifySchema = strictObject(
  {
    /** A notification target declared in the worker's config (environments.ENV.rollout.notifications). */
    target: z.string().regex(HOOK_NAME, { message: 'expected the name of a notification target declared in the config' }),
  },
  { webhook: "name a target declared in the worker's config (environments.ENV.rollout.notifications) as notify.target; a plan never carries a webhook" },
);

export const RolloutPlanSchema = strictObject({
    description: z.string().optional(),
    environment: z.string().min(1),
    serviceGroup: z.string().min(1),
    /** Per role (or service id): `latest` (the latest Ready revision) or a revision id. Services left out use `latest`. */
    candidates: z.record(z.string().min(1), z.string().min(1)).default({}),
    finish: FinishSchema.default({ traffic: 'pinned' }),
    notify: NotifySchema.optional(),
    steps: z.array(RolloutStepSchema).min(1, { message: 'a rollout needs at least one step' }),
  })
  .superRefine((plan, ctx) => {
    for (const issue of planIssues(plan)) ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  });

export type RolloutPlan = z.infer<typeof RolloutPlanSchema>;
export type RolloutPlanInput = z.input<typeof RolloutPlanSchema>;
export type RolloutStep = z.infer<typeof RolloutStepSchema>;
export type CohortHook = z.infer<typeof CohortHookSchema>;
export type ApprovalPolicy = z.infer<typeof ApprovalSchema>;
export type AnalysisPolicy = z.infer<typeof AnalysisSchema>;
export type ProbeCheck = z.infer<typeof ProbeCheckSchema>;
export type FinishPolicy = z.infer<typeof FinishSchema>;

export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

type StepShape = Pick<RolloutStep, 'name' | 'percent' | 'tag' | 'gates'> & { hooks: { name: string }[]; analysis?: { probes: { target: 'service' | 'tag' }[] } };

/** Rules across steps that a field-by-field schema cannot express; each names the field. */
export function planIssues(plan: { steps: StepShape[] }): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const firstByName = new Map<string, number>();
  const tags = effectiveTags(plan.steps);
  plan.steps.forEach((step, i) => {
    const at = (...rest: (string | number)[]) => ['steps', i, ...rest];
    const seen = firstByName.get(step.name);
    if (seen !== undefined) issues.push({ path: at('name'), message: `duplicate step name "${step.name}" (also steps.${seen}.name)` });
    else firstByName.set(step.name, i);
    const prev = plan.steps[i - 1];
    if (prev && step.percent < prev.percent) {
      issues.push({ path: at('percent'), message: `percent ${step.percent} is lower than the ${prev.percent} of step "${prev.name}": a rollout only widens (abort to go back to stable)` });
    }
    if (step.percent === 0 && !tags[i]) issues.push({ path: at('tag'), message: 'a 0 % step needs a tag, or nobody reaches the candidate' });
    step.gates.forEach((g, j) => {
      if (step.gates.indexOf(g) !== j) issues.push({ path: at('gates', j), message: `gate "${g}" is listed twice` });
    });
    // The same hook may serve several steps (with other parameters); within a step, the name keys its undo.
    step.hooks.forEach((h, j) => {
      const first = step.hooks.findIndex((o) => o.name === h.name);
      if (first !== j) issues.push({ path: at('hooks', j, 'name'), message: `duplicate hook name "${h.name}" in this step (also steps.${i}.hooks.${first}.name)` });
    });
    step.analysis?.probes.forEach((p, j) => {
      if (p.target === 'tag' && !tags[i]) issues.push({ path: at('analysis', 'probes', j, 'target'), message: 'a tag probe needs a tag on this step or an earlier one' });
    });
  });
  const last = plan.steps[plan.steps.length - 1];
  if (last && last.percent !== 100) {
    issues.push({ path: ['steps', plan.steps.length - 1, 'percent'], message: `the last step must send 100 % to the candidate (got ${last.percent}); a rollout finishes at 100 %` });
  }
  return issues;
}
