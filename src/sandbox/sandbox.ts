import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'yaml';
import type { z } from 'zod';
import type { ConfigSchema } from '../domain/config/schema';
import { registerCloudRunFaults, seedServiceGroup, startCloudRunSandbox, type CloudRunSandbox } from './cloud-run';
import { startControlServer } from './control-server';
import { seedBackupCanaries } from './convex/canaries';
import { startConvexStandIn, type ConvexStandIn } from './convex/convex-stand-in';
import { registerConvexFaults } from './convex/sandbox-faults';
import { FaultRegistry } from './faults';
import { releaseServiceGroup, startRolloutStandIns, SANDBOX_ROLLOUT_ENVIRONMENT, type RolloutStandIns } from './rollout';
import { ensureDemoSigner } from './demo-signer';
import { SinkFaultSchema } from './runtime/faults';
import { startRuntimeStandIn, type RuntimeStandIn } from './runtime/stand-in';
import { startSecretManagerSandbox, type SecretManagerSandbox } from './secret-manager/emulator';

/** The config file shape as written (inputs to zod; defaults filled in on load). */
type ConfigInput = z.input<typeof ConfigSchema>;

export const SANDBOX_ENVIRONMENT = 'sandbox';

export interface Sandbox {
  dataDir: string;
  /** The config that points drillctl at this sandbox (environment "sandbox", marked sandbox: true). */
  config: ConfigInput;
  configPath: string;
  endpoints: Record<string, string>;
  controlUrl: string;
  faults: FaultRegistry;
  /** Cloud Run: the Admin API emulator, one router per service URL, one server per revision. */
  cloudRun: CloudRunSandbox;
  /** The Convex deployment holding the runtime's projections; its admin key is in `convexAdminKeyFile`. */
  convex: ConvexStandIn;
  convexAdminKeyFile: string;
  /** The scratch deployment the backup/restore drill restores into (true restore test); key in `convexScratchAdminKeyFile`. */
  convexScratch: ConvexStandIn;
  convexScratchAdminKeyFile: string;
  /**
   * Secret Manager holding both Convex admin keys (secrets `convex-admin-key` and
   * `convex-scratch-admin-key`); a worker reads `gcp:` references from it when
   * DRILLCTL_SECRET_MANAGER_EMULATOR_HOST names `endpoints.secretManager`.
   */
  secretManager: SecretManagerSandbox;
  /** The runtime whose history the replay drill replays (commands run as subprocesses). */
  runtime: RuntimeStandIn;
  /** Staged rollouts: environment `sandbox-rollout`, its cohort flag service and metrics. */
  rollout: RolloutStandIns;
  stop(): Promise<void>;
}

/**
 * Starts every stand-in of production on loopback and writes a config that points at them.
 * Each component registers its faults here so tests and the CLI can inject them by name.
 */
export interface SandboxOptions {
  dataDir: string;
  /** Revisions name themselves in this response header (an app or sidecar echoing K_REVISION). */
  identityHeader?: string;
  /**
   * Gives the runtime stand-in a `history` command, which the real runtime lacks, and puts it in
   * the config as the replay drill's history source (level 3). Off: the real runtime's commands only (level 2).
   */
  runtimeHistory?: boolean;
}

export async function startSandbox(opts: SandboxOptions): Promise<Sandbox> {
  const dir = path.resolve(opts.dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const faults = new FaultRegistry();
  const stops: (() => Promise<void>)[] = [];

  // Cloud Run: the G7 service group (backend + dashboard, two Ready revisions each, LATEST 100 %).
  // Health probes and drills reach the services through their routers, as they would reach Cloud Run URLs.
  const group = seedServiceGroup();
  // The release group (candidates deployed beside pinned stable revisions) serves staged rollouts.
  const releaseGroup = releaseServiceGroup();
  // Cloud Run-faithful: no identity header (unless asked for), gradual migration after each change.
  const cloudRun = await startCloudRunSandbox({ groups: [group, releaseGroup], propagationDelayMs: 800, operationDelayMs: 300, ...(opts.identityHeader ? { identityHeader: opts.identityHeader } : {}) });
  stops.push(() => cloudRun.stop());
  const [backend, dashboard] = cloudRun.group(group.name).services;
  if (!backend || !dashboard) throw new Error('the seed service group lacks its backend or dashboard');
  registerCloudRunFaults(faults, cloudRun, { backend: backend.service, dashboard: dashboard.service });
  const rollout = await startRolloutStandIns(cloudRun, faults, releaseGroup, { dataDir: dir });
  stops.push(() => rollout.stop());

  // Convex, and the runtime that projects its history into it. The admin key lives in a file
  // (mode 600) that the config names by reference; it never appears in the config itself.
  const convexAdminKey = crypto.randomBytes(24).toString('hex');
  const convexAdminKeyFile = path.join(dir, 'convex-admin-key');
  fs.writeFileSync(convexAdminKeyFile, `${convexAdminKey}\n`, { mode: 0o600 });
  const convex = await startConvexStandIn({ dataDir: path.join(dir, 'convex'), adminKey: convexAdminKey, instanceName: 'sandbox-convex' });
  stops.push(() => convex.stop());
  // A second, disposable deployment for the backup/restore drill's true restore test, and canary
  // documents in the source whose types a careless round trip would lose.
  const convexScratchAdminKey = crypto.randomBytes(24).toString('hex');
  const convexScratchAdminKeyFile = path.join(dir, 'convex-scratch-admin-key');
  fs.writeFileSync(convexScratchAdminKeyFile, `${convexScratchAdminKey}\n`, { mode: 0o600 });
  const convexScratch = await startConvexStandIn({ dataDir: path.join(dir, 'convex-scratch'), adminKey: convexScratchAdminKey, instanceName: 'sandbox-convex-scratch' });
  stops.push(() => convexScratch.stop());
  seedBackupCanaries(convex);
  const secretManager = await startSecretManagerSandbox({ project: cloudRun.project });
  stops.push(() => secretManager.stop());
  secretManager.addSecretVersion('convex-admin-key', convexAdminKey);
  secretManager.addSecretVersion('convex-scratch-admin-key', convexScratchAdminKey);
  faults.register('secret-manager-denied', {
    description: 'Secret Manager refuses the worker every secret (PERMISSION_DENIED), or only `secret`',
    inject: (params) => secretManager.denyAccess(typeof params.secret === 'string' ? params.secret : '*'),
    clear: () => secretManager.clearFaults(),
  });
  registerConvexFaults(faults, { source: convex, scratch: convexScratch });
  const runtime = await startRuntimeStandIn({ dataDir: path.join(dir, 'runtime'), convexUrl: convex.url, adminKey: convexAdminKey, historySource: opts.runtimeHistory ?? false });
  faults.register('runtime-sink', {
    description: "the runtime's projection sink fails (default), writes nothing (mode: noop), writes a drifted status (mode: drift), never returns so the command hangs (mode: hang) or is slow (delayMs); optional commands: [seed, reproject, cleanup, history]",
    inject: (params) => runtime.setSinkFault(SinkFaultSchema.parse(params.mode || params.delayMs ? params : { ...params, mode: 'fail' })),
    clear: () => runtime.setSinkFault(null),
  });

  const probe = opts.identityHeader ? { probe: { identity: { header: opts.identityHeader } } } : {};
  const control = await startControlServer(faults);
  stops.push(() => control.stop());
  const signer = ensureDemoSigner(dir);

  const config: ConfigInput = {
    defaultEnvironment: SANDBOX_ENVIRONMENT,
    environments: {
      [SANDBOX_ENVIRONMENT]: {
        sandbox: true,
        production: false,
        signing: { allowedSignersFile: signer.allowedSignersFile, required: false },
        health: { backendUrl: backend.url, dashboardUrl: dashboard.url, attempts: 3, timeoutMs: 3000 },
        backup: {
          source: { url: convex.url, adminKey: `file:${convexAdminKeyFile}`, instanceName: 'sandbox-convex' },
          scratch: { url: convexScratch.url, adminKey: `file:${convexScratchAdminKeyFile}`, instanceName: 'sandbox-convex-scratch' },
          restoreMode: 'scratch',
          snapshotDir: path.join(dir, 'snapshots'),
          keepSnapshots: 3,
        },
        cloudRun: { project: cloudRun.project, region: cloudRun.region, apiEndpoint: cloudRun.grpcAddress },
        serviceGroups: { [group.name]: { services: { backend: { service: backend.service, ...probe }, dashboard: { service: dashboard.service, ...probe } } } },
        rollback: { rtoTargetSeconds: 300, probeIntervalMs: 250, consecutiveHealthy: 3, switchTimeoutSeconds: 120, holdSeconds: 0 },
        replay: {
          cwd: runtime.commands.cwd,
          env: runtime.commands.env,
          reprojectRun: runtime.commands.reprojectRun,
          reprojectWorker: runtime.commands.reprojectWorker,
          seedFixtures: runtime.commands.seedFixtures,
          cleanupFixtures: runtime.commands.cleanupFixtures,
          ...(runtime.commands.historyRun && runtime.commands.historyWorker ? { historyRun: runtime.commands.historyRun, historyWorker: runtime.commands.historyWorker } : {}),
          projections: { url: convex.url, adminKey: `file:${convexAdminKeyFile}` },
          // Worker and runtime share this machine's clock.
          clockSkewToleranceMs: 0,
          commandTimeoutSeconds: 120,
        },
      },
    },
  };
  config.environments[SANDBOX_ROLLOUT_ENVIRONMENT] = rollout.environment(config.environments[SANDBOX_ENVIRONMENT]!);
  const configPath = path.join(dir, 'config.yaml');
  fs.writeFileSync(configPath, `# Written by drillctl sandbox: points drillctl at the local stand-ins. Not for production.\n${stringify(config)}`);
  return {
    dataDir: dir,
    config,
    configPath,
    endpoints: { secretManager: secretManager.address, backend: backend.url, dashboard: dashboard.url, cloudRunApi: cloudRun.grpcAddress, convex: convex.url, convexScratch: convexScratch.url, runtime: runtime.home, flags: rollout.endpoints.flags, metrics: rollout.endpoints.metrics, cloudMonitoring: rollout.endpoints.cloudMonitoring, prometheus: rollout.endpoints.prometheus, control: control.url },
    controlUrl: control.url,
    faults,
    cloudRun,
    convex,
    convexAdminKeyFile,
    convexScratch,
    convexScratchAdminKeyFile,
    secretManager,
    runtime,
    rollout,
    async stop() {
      for (const stop of stops.reverse()) await stop().catch(() => undefined);
    },
  };
}
