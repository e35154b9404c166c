import type { ServicesClient } from '@google-cloud/run';
import type { Client } from '@temporalio/client';
import type { DrillClient } from '../src/client';
import type { Config } from '../src/domain/config/schema';
import { snapshotAllocation, type RawTrafficTarget, type TrafficAllocation } from '../src/domain/traffic/allocation';
import type { Sandbox } from '../src/sandbox/sandbox';

/** What every chaos workflow reaches: the sandbox, the worker's config, Temporal and Cloud Run clients. */
export interface ChaosContext {
  sandbox: Sandbox;
  config: Config;
  temporal: Client;
  drill: DrillClient;
  /** The real @google-cloud/run client against the sandbox's Admin API emulator. */
  cloudRun: ServicesClient;
}

export function serviceName(ctx: ChaosContext, service: string): string {
  return `projects/${ctx.sandbox.cloudRun.project}/locations/${ctx.sandbox.cloudRun.region}/services/${service}`;
}

/** A service's traffic as Cloud Run's API reports it, read through the real client. */
export async function readTraffic(ctx: ChaosContext, service: string): Promise<TrafficAllocation> {
  const [svc] = await ctx.cloudRun.getService({ name: serviceName(ctx, service) });
  return snapshotAllocation(svc.traffic as RawTrafficTarget[] | null | undefined);
}

/** Sets a service's traffic as an operator would before a trial (etag-guarded, waits for the operation). */
export async function setTraffic(ctx: ChaosContext, service: string, traffic: { type: string; revision?: string; percent: number; tag?: string }[]): Promise<void> {
  const [svc] = await ctx.cloudRun.getService({ name: serviceName(ctx, service) });
  const [operation] = await ctx.cloudRun.updateService({ service: { name: svc.name, etag: svc.etag, traffic: traffic as never }, updateMask: { paths: ['traffic'] } });
  await operation.promise();
}
