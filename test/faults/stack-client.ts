import fs from 'node:fs';
import { ServicesClient } from '@google-cloud/run';
import { cloudRunClientOptions } from '../../src/activities/traffic/cloud-run-clients';
import { DrillClient } from '../../src/client';
import { resolveTemporalTarget } from '../../src/temporal/connection';
import type { Stack } from '../support/stack';
import { testEnv } from '../support/temporal';

/** The client `drillctl` uses, on the stack's dev server and the worker's own config. */
export async function stackClient(stack: Stack): Promise<DrillClient> {
  const env = await testEnv();
  return new DrillClient(env.client, resolveTemporalTarget({ address: stack.address, namespace: 'default' }), stack.workerConfig);
}

/** Processes whose command line contains every one of `words`, by pid (from /proc, as `ps` reads it). */
export function processesMatching(...words: string[]): Map<number, string> {
  const found = new Map<number, string>();
  for (const pid of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
      if (words.every((w) => cmd.includes(w))) found.set(Number(pid), cmd);
    } catch {
      // the process ended
    }
  }
  return found;
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Samples this process's RSS until stopped; returns the highest seen. */
export function rssSampler(intervalMs = 20): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The real @google-cloud/run client against the stack's Admin API emulator. */
export function cloudRunClient(stack: Stack): ServicesClient {
  const { project, region, grpcAddress } = stack.sandbox.cloudRun;
  return new ServicesClient(cloudRunClientOptions({ project, region, apiEndpoint: grpcAddress, sandbox: true }));
}

/** Sets a service's traffic as an operator would between tests (etag-guarded, waits for the operation). */
export async function setTraffic(client: ServicesClient, stack: Stack, service: string, traffic: { type: string; revision?: string; percent: number; tag?: string }[]): Promise<void> {
  const { project, region } = stack.sandbox.cloudRun;
  const [svc] = await client.getService({ name: `projects/${project}/locations/${region}/services/${service}` });
  const [operation] = await client.updateService({ service: { name: svc.name, etag: svc.etag, traffic: traffic as never }, updateMask: { paths: ['traffic'] } });
  await operation.promise();
}

/** Polls `check` every 50 ms until it holds, failing with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}
