import { z } from 'zod';
import { DURATION_CAPS_MS } from '../duration-limits';
import { HttpUrlSchema } from '../http-url';
import { SecretRefSchema } from '../secret-ref';
import { strictObject } from '../strict-object';
import { GateConfigSchema } from './gate';
import { SigningConfigSchema } from './signing';
import { RolloutConfigSchema } from '../rollout/config-section';
import { ChangeWindowsSchema } from '../change-window/schema';

const Url = HttpUrlSchema;
const capMs = (max: number) => ({ message: `at most ${max} ms` });
const capSeconds = (maxMs: number) => ({ message: `at most ${maxMs / 1000} seconds` });

export const HealthConfigSchema = strictObject({
  backendUrl: Url,
  dashboardUrl: Url,
  /** Per-attempt HTTP timeout. */
  timeoutMs: z.number().int().positive().max(DURATION_CAPS_MS.httpRequest, capMs(DURATION_CAPS_MS.httpRequest)).default(5000),
  /** Attempts per check before it fails (the operators' script tried once). */
  attempts: z.number().int().min(1).max(20).default(3),
});

const HeaderName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, { message: 'expected an HTTP header name' });

/** How probes tell which revision answered (src/domain/traffic/revision-identity.ts). */
export const RevisionIdentitySchema = z.union(
  [
    z.literal('none'),
    z.strictObject({ header: HeaderName }),
    z.strictObject({
      versionEndpoint: z.strictObject({
        path: z.string().startsWith('/', { message: 'expected a path starting with /' }),
        /** Dotted JSON field holding the version; without it the whole body is the version. */
        field: z.string().min(1).optional(),
      }),
    }),
  ],
  { message: 'expected identity: none, { header: NAME } or { versionEndpoint: { path, field } }' },
);

export const ProbeSchema = strictObject({
    /** URL the probes ask; defaults to the service's URL (Cloud Run status.url). */
    url: Url.optional(),
    path: z.string().startsWith('/').default('/'),
    /**
     * How a probe tells which revision answered. Cloud Run sends no revision header, so the default
     * is `none`: the API must show the target traffic in force, then the service URL answer healthily.
     */
    identity: RevisionIdentitySchema.default('none'),
    /** Earlier spelling of `identity: { header: NAME }`. */
    revisionHeader: HeaderName.optional(),
  }).superRefine((p, ctx) => {
    if (p.revisionHeader && p.identity !== 'none') {
      ctx.addIssue({ code: 'custom', path: ['revisionHeader'], message: 'give either identity or revisionHeader, not both; write identity: { header: NAME }' });
    }
  });

export const ServiceSchema = strictObject({
  /** Cloud Run service id (not the full resource name). */
  service: z.string().regex(/^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$/, { message: 'expected a Cloud Run service id (lowercase letters, digits, dashes)' }),
  probe: ProbeSchema.default({ path: '/', identity: 'none' }),
});

export const ServiceGroupSchema = strictObject({
  /** Role (backend, dashboard, ...) to Cloud Run service; moved together by drills and rollouts. */
  services: z.record(z.string().min(1), ServiceSchema).refine((s) => Object.keys(s).length > 0, { message: 'a service group needs at least one service' }),
});

export const CloudRunSchema = strictObject({
  project: z.string().min(1),
  region: z.string().min(1),
  /** host:port of a Cloud Run Admin API emulator; only allowed for sandbox environments. */
  apiEndpoint: z.string().optional(),
});

export const RollbackConfigSchema = strictObject({
  rtoTargetSeconds: z.number().positive().max(DURATION_CAPS_MS.trafficSwitch / 1000, capSeconds(DURATION_CAPS_MS.trafficSwitch)).default(300),
  probeIntervalMs: z.number().int().min(50).max(DURATION_CAPS_MS.probeInterval, capMs(DURATION_CAPS_MS.probeInterval)).default(1000),
  /** Consecutive answers from the target revision before a service counts as switched. */
  consecutiveHealthy: z.number().int().min(1).default(3),
  /** Give up waiting for the data plane after this long. */
  switchTimeoutSeconds: z.number().positive().max(DURATION_CAPS_MS.trafficSwitch / 1000, capSeconds(DURATION_CAPS_MS.trafficSwitch)).default(600),
  /** How long the rollback target keeps serving before the original traffic is restored. */
  holdSeconds: z.number().min(0).max(DURATION_CAPS_MS.trafficSwitch / 1000, capSeconds(DURATION_CAPS_MS.trafficSwitch)).default(0),
});

export const ConvexDeploymentSchema = strictObject({
  url: Url,
  adminKey: SecretRefSchema,
  /**
   * The deployment's identity as its backend reports it (`GET /instance_name`; INSTANCE_NAME of a
   * self-hosted backend). Required of a scratch deployment: before a scratch restore replaces all of
   * its data, the worker checks the backend at that URL is the one declared here, not another one a
   * URL (one Cloud Run service has several) happens to reach.
   */
  instanceName: z.string().regex(/^[A-Za-z0-9][-_A-Za-z0-9]{0,127}$/, { message: 'expected the instance name the backend reports at /instance_name (letters, digits, dashes, underscores)' }).optional(),
});

/** backup.cliTimeoutSeconds when unset: a hung `convex export` or `import` is killed after half an hour. */
export const DEFAULT_CLI_TIMEOUT_SECONDS = 1800;
/** backup.maxDocumentLineBytes when unset. */
export const DEFAULT_MAX_DOCUMENT_LINE_BYTES = 16 << 20;

export const BackupConfigSchema = strictObject({
  source: ConvexDeploymentSchema,
  /** A separate deployment for a true restore test; required by restore mode `scratch`. */
  scratch: ConvexDeploymentSchema.optional(),
  restoreMode: z.enum(['append', 'scratch', 'replace', 'replace-all']).default('scratch'),
  /** Where the worker keeps this environment's snapshots; relative paths are under the worker's data folder (its DRILLCTL_HOME). */
  snapshotDir: z.string().min(1).default('snapshots'),
  /** The worker keeps this many of the environment's newest snapshots (with their manifests) and deletes older ones. */
  keepSnapshots: z.number().int().min(1).default(5),
  /** Export Convex file storage too (`convex export --include-file-storage`): files are verified and restored with the documents. */
  includeFileStorage: z.boolean().default(false),
  /** A worker that stops heartbeating this long during export, verification or import is presumed dead; another resumes. */
  heartbeatTimeoutSeconds: z.number().min(5).max(600).default(30),
  /**
   * One `convex export` or `convex import` that runs longer is presumed hung (a stalled export is
   * polled for about 30 hours otherwise): its whole process group is killed and the drill fails
   * naming this setting. Raise it for a deployment whose snapshot takes longer to move. Default 1800.
   */
  cliTimeoutSeconds: z.number().int().min(1).max(86_400).optional(),
  /** Verification refuses a snapshot with a document line longer than this (Convex documents are at most 1 MiB); memory stays flat whatever the line. Default 16 MiB. */
  maxDocumentLineBytes: z.number().int().min(1 << 20).max(1 << 30).optional(),
});

const ArgvTemplate = z.array(z.string()).min(1);

export const ReplayConfigSchema = strictObject({
  /** Working directory of the runtime's commands (the operators ran them in the runtime's app folder). */
  cwd: z.string().optional(),
  /** argv templates; `{id}` is replaced by the entity id. Never a shell string. */
  reprojectRun: ArgvTemplate.default(['mix', 'runtime.convex.reproject', '--run-id', '{id}']),
  reprojectWorker: ArgvTemplate.default(['mix', 'runtime.convex.reproject', '--worker-id', '{id}']),
  /** Seeds one run and one codex worker with the ids `{runId}` and `{workerId}` (may print RUN_ID=/WORKER_ID=). */
  seedFixtures: ArgvTemplate.optional(),
  /** Removes the fixtures `{runId}` and `{workerId}`: history, checkpoints and their Convex projections. */
  cleanupFixtures: ArgvTemplate.optional(),
  /**
   * The history source for replay level 3: print an entity's durable history as JSON
   * (src/domain/reproject/history.ts). The runtime has no such command out of the box; set both
   * only where one is deployed (README, "Using the real runtime and Convex").
   */
  historyRun: ArgvTemplate.optional(),
  historyWorker: ArgvTemplate.optional(),
  /** Convex deployment the runtime's sink writes projections to; read back for replay level 2. */
  projections: ConvexDeploymentSchema.optional(),
  /**
   * How level 2 reads a projection back: unset, with the real `convex data <table>` command
   * (nothing to deploy); set, with this Convex query, called with args `{table, key}` (key = entity id).
   */
  projectionQuery: z.string().regex(/^[A-Za-z0-9_/]+:[A-Za-z0-9_]+$/, { message: 'expected a Convex function path like module:function' }).optional(),
  /** `convex data` reads this many of a projection table's newest documents to find a fixture's projection. */
  projectionReadLimit: z.number().int().min(1).max(10_000).default(1000),
  projectionTables: strictObject({ run: z.string().min(1), codexWorker: z.string().min(1) }).default({ run: 'run_summaries', codexWorker: 'codex_worker_summaries' }),
  /** Fixture ids are `<prefix>_run_<hash of the workflow id>` (and `_worker_`), so they read as drill data. */
  fixturePrefix: z.string().regex(/^[a-z][a-z0-9_]*$/, { message: 'expected lowercase letters, digits and underscores' }).default('drillctl_drill'),
  /** A projection written this long before the replay started still counts as written by it (clock skew between worker and runtime). */
  clockSkewToleranceMs: z.number().int().min(0).max(DURATION_CAPS_MS.clockSkew, capMs(DURATION_CAPS_MS.clockSkew)).default(2000),
  commandTimeoutSeconds: z.number().positive().max(DURATION_CAPS_MS.runtimeCommand / 1000, capSeconds(DURATION_CAPS_MS.runtimeCommand)).default(300),
  /**
   * Environment for every runtime command, stated in the config and shown in the drill (the operators' script
   * ran against whatever MIX_ENV happened to be set). Never secrets: those are references.
   */
  env: z
    .record(z.string().regex(/^[A-Z_][A-Z0-9_]*$/, { message: 'expected an environment variable name' }), z.string())
    .default({})
    .refine((env) => !Object.keys(env).some((k) => /KEY|SECRET|TOKEN|PASSWORD|CREDENTIAL/.test(k)), { message: 'no secrets in replay.env: let the runtime read its own secrets' }),
});

export const ProductionGuardSchema = strictObject({
  /** Who may confirm a production change; empty means anyone with a ticket and reason. */
  approvers: z.array(z.string()).default([]),
});

export const EnvironmentSchema = strictObject({
    /** Required unless `sandbox: true`: production changes need a confirmation, a ticket and a reason. */
    production: z.boolean().optional(),
    /** Marks a local sandbox; the only kind of environment that may point at emulators. */
    sandbox: z.boolean().default(false),
    cloudRun: CloudRunSchema.optional(),
    serviceGroups: z.record(z.string().regex(/^[a-z0-9][-a-z0-9]*$/, { message: 'expected a lowercase name (letters, digits, dashes)' }), ServiceGroupSchema).default({}),
    health: HealthConfigSchema.optional(),
    rollback: RollbackConfigSchema.default({ rtoTargetSeconds: 300, probeIntervalMs: 1000, consecutiveHealthy: 3, switchTimeoutSeconds: 600, holdSeconds: 0 }),
    backup: BackupConfigSchema.optional(),
    replay: ReplayConfigSchema.optional(),
    productionGuard: ProductionGuardSchema.optional(),
    /** Allowed signers of decisions; production refuses unsigned decisions (and needs this to accept any). */
    signing: SigningConfigSchema.optional(),
    gate: GateConfigSchema.default({ attesters: [], forbidInitiator: true, attestationTimeoutSeconds: 3600, remainingWork: [] }),
    /** Staged rollouts: endpoints, cohort hooks and notification targets plans refer to by name. */
    rollout: RolloutConfigSchema.default({ endpoints: {}, hooks: {}, notifications: {}, metricProviders: {} }),
    /** When rollouts may start traffic changes here: allowed days and hours, and freezes (README, "Change windows and freezes"). */
    changeWindows: ChangeWindowsSchema.optional(),
  })
  .superRefine((env, ctx) => {
    if (env.production === undefined && !env.sandbox) {
      // Fails closed: an environment that forgot to say is never taken for a non-production one.
      ctx.addIssue({ code: 'custom', path: ['production'], message: 'required: say production: true or production: false (only a sandbox may leave it out)' });
    }
    if (env.production && env.sandbox) {
      ctx.addIssue({ code: 'custom', path: ['sandbox'], message: 'a production environment cannot be a sandbox' });
    }
    if (env.cloudRun?.apiEndpoint && !env.sandbox) {
      ctx.addIssue({ code: 'custom', path: ['cloudRun', 'apiEndpoint'], message: 'only sandbox environments may override the Cloud Run API endpoint; remove it or set sandbox: true' });
    }
    for (const [name, p] of Object.entries(env.rollout.metricProviders)) {
      if ('cloudMonitoring' in p && p.cloudMonitoring.apiEndpoint && !env.sandbox) {
        ctx.addIssue({ code: 'custom', path: ['rollout', 'metricProviders', name, 'cloudMonitoring', 'apiEndpoint'], message: 'only sandbox environments may override the Cloud Monitoring API endpoint; remove it or set sandbox: true' });
      }
      if ('cloudMonitoring' in p && !p.cloudMonitoring.project && !env.cloudRun) {
        ctx.addIssue({ code: 'custom', path: ['rollout', 'metricProviders', name, 'cloudMonitoring', 'project'], message: 'required when the environment has no cloudRun section (the default is cloudRun.project)' });
      }
    }
  })
  .transform((env) => ({ ...env, production: env.production ?? false }));

/** How operators reach Temporal's Web UI: links the CLI prints are built on `uiUrl`. */
export const TemporalSectionSchema = strictObject({
  uiUrl: Url.optional(),
});

export const ConfigSchema = strictObject({
  defaultEnvironment: z.string().optional(),
  temporal: TemporalSectionSchema.optional(),
  environments: z.record(z.string().min(1), EnvironmentSchema).refine((e) => Object.keys(e).length > 0, { message: 'define at least one environment' }),
});

export type Config = z.infer<typeof ConfigSchema>;
export type EnvironmentConfig = z.infer<typeof EnvironmentSchema>;
export type HealthConfig = z.infer<typeof HealthConfigSchema>;
export type ServiceGroupConfig = z.infer<typeof ServiceGroupSchema>;
export type RollbackConfig = z.infer<typeof RollbackConfigSchema>;
export type BackupConfig = z.infer<typeof BackupConfigSchema>;
export type ReplayConfig = z.infer<typeof ReplayConfigSchema>;
export type CloudRunConfig = z.infer<typeof CloudRunSchema>;
