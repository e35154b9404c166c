import { z } from 'zod';
import { SecretRefSchema } from '../secret-ref';
import { WEBHOOK_PATTERN } from './config-section';
import { DURATION_PATTERN } from './duration';

/** Drills a step can require before it widens traffic; each runs as a child workflow. */
export const ROLLOUT_GATES = ['health', 'backup-restore', 'replay', 'rollback'] as const;
export type RolloutGate = (typeof ROLLOUT_GATES)[number];

const Name = z.string().regex(/^[a-z0-9][-a-z0-9]{0,39}$/, { message: 'expected a short lowercase name (letters, digits, dashes; at most 40)' });
/** Cloud Run's own rule for traffic tags (they become part of a host name). */
const Tag = z.string().regex(/^[a-z]([-a-z0-9]{0,44}[a-z0-9])?$/, { message: 'expected a Cloud Run traffic tag: lowercase letters, digits and dashes, starting with a letter' });
const Duration = z.string().regex(DURATION_PATTERN, { message: 'expected a duration like 90s, 5m, 24h or 2d' });
const Url = z.url({ message: 'expected an absolute http(s) URL' });

export const HttpCallSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('POST'),
  url: Url,
  headers: z.record(z.string(), z.string()).default({}),
  /** Header values that are secrets (an API token): references, resolved inside the activity. */
  secretHeaders: z.record(z.string(), SecretRefSchema).default({}),
  /** Sent as JSON. */
  body: z.unknown().optional(),
  /** Statuses that count as success; default any 2xx. */
  expectStatus: z.array(z.number().int().min(100).max(599)).min(1).optional(),
  timeout: Duration.default('10s'),
});

export const CommandSchema = z.strictObject({
  /** Program and arguments, run without a shell. Never put a secret here: use secretEnv. */
  argv: z.array(z.string().min(1)).min(1, { message: 'argv needs at least the program to run' }),
  cwd: z.string().min(1).optional(),
  env: z.record(z.string(), z.string()).default({}),
  /** Environment variables whose values are secrets: references, resolved inside the activity. */
  secretEnv: z.record(z.string(), SecretRefSchema).default({}),
  timeout: Duration.default('60s'),
});

export const HookActionSchema = z
  .strictObject({ http: HttpCallSchema.optional(), command: CommandSchema.optional() })
  .superRefine((a, ctx) => {
    if (!a.http === !a.command) ctx.addIssue({ code: 'custom', message: 'give exactly one of http or command' });
  });

/** An application-level cohort switch (a feature flag for staff, say) and how to take it back. */
export const CohortHookSchema = z.strictObject({
  name: Name,
  do: HookActionSchema,
  undo: HookActionSchema,
});

export const ApprovalSchema = z.strictObject({
  required: z.boolean().default(true),
  /** Who may approve (and skip a bake); empty means anyone, except the initiator unless allowInitiator. */
  approvers: z.array(z.string().min(1)).default([]),
  allowInitiator: z.boolean().default(false),
  /** How long to wait for a decision; absent means wait until someone decides or aborts. */
  timeout: Duration.optional(),
  /** What a missed timeout does: abort (and restore stable traffic) or hold at the current traffic. */
  onTimeout: z.enum(['abort', 'hold']).default('abort'),
});

export const ProbeCheckSchema = z.strictObject({
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

export const MetricCheckSchema = z
  .strictObject({
    name: Name,
    /** Answers a number, or JSON holding one at `field`. */
    url: Url,
    /** Dot path into a JSON answer (`lag.p95`); absent means the whole body is the number. */
    field: z.string().min(1).optional(),
    max: z.number().optional(),
    min: z.number().optional(),
    secretHeaders: z.record(z.string(), SecretRefSchema).default({}),
    timeout: Duration.default('10s'),
  })
  .superRefine((m, ctx) => {
    if (m.max === undefined && m.min === undefined) ctx.addIssue({ code: 'custom', path: ['max'], message: 'a metric check needs a threshold: max, min or both' });
    if (m.max !== undefined && m.min !== undefined && m.min > m.max) ctx.addIssue({ code: 'custom', path: ['min'], message: `min ${m.min} is above max ${m.max}` });
  });

export const AnalysisSchema = z
  .strictObject({
    /** Time between two readings during the bake. */
    interval: Duration.default('1m'),
    probes: z.array(ProbeCheckSchema).default([]),
    metrics: z.array(MetricCheckSchema).default([]),
    /** The stop rule: a check failing for this long (or longer) aborts; 0s aborts on the first failing reading. */
    stopAfter: Duration.default('5m'),
  })
  .superRefine((a, ctx) => {
    if (a.probes.length === 0 && a.metrics.length === 0) ctx.addIssue({ code: 'custom', path: ['probes'], message: 'analysis needs at least one probe or metric check' });
  });

export const RolloutStepSchema = z.strictObject({
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
  bake: Duration.default('0s'),
  analysis: AnalysisSchema.optional(),
});

export const FinishSchema = z.strictObject({
  /** After the last step: `latest` makes traffic follow the latest Ready revision again, `pinned` keeps it on the candidate. */
  traffic: z.enum(['latest', 'pinned']).default('pinned'),
});

export const NotifySchema = z.strictObject({
  /** A Slack-compatible incoming webhook: a URL, or (better, it is a secret) env:NAME or file:PATH. */
  webhook: z.string().regex(WEBHOOK_PATTERN, { message: 'expected an http(s) URL or a secret reference (env:NAME, file:PATH)' }),
});

export const RolloutPlanSchema = z
  .strictObject({
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
export type HookAction = z.infer<typeof HookActionSchema>;
export type HttpCall = z.infer<typeof HttpCallSchema>;
export type CommandCall = z.infer<typeof CommandSchema>;
export type ApprovalPolicy = z.infer<typeof ApprovalSchema>;
export type AnalysisPolicy = z.infer<typeof AnalysisSchema>;
export type ProbeCheck = z.infer<typeof ProbeCheckSchema>;
export type MetricCheck = z.infer<typeof MetricCheckSchema>;
export type FinishPolicy = z.infer<typeof FinishSchema>;

export interface PlanIssue {
  path: (string | number)[];
  message: string;
}

type StepShape = Pick<RolloutStep, 'name' | 'percent' | 'tag' | 'gates'> & { hooks: { name: string }[]; analysis?: { probes: { target: 'service' | 'tag' }[] } };

/** The tag each step's candidate carries: its own, else the one an earlier step set. */
export function effectiveTags(steps: readonly Pick<RolloutStep, 'tag'>[]): (string | undefined)[] {
  let tag: string | undefined;
  return steps.map((s) => (tag = s.tag ?? tag));
}

/** Rules across steps that a field-by-field schema cannot express; each names the field. */
export function planIssues(plan: { steps: StepShape[] }): PlanIssue[] {
  const issues: PlanIssue[] = [];
  const firstByName = new Map<string, number>();
  const hookNames = new Map<string, string>();
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
    step.hooks.forEach((h, j) => {
      const other = hookNames.get(h.name);
      if (other) issues.push({ path: at('hooks', j, 'name'), message: `duplicate hook name "${h.name}" (also ${other})` });
      else hookNames.set(h.name, `steps.${i}.hooks.${j}.name`);
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
