import { CloudRunTrafficAdapter } from '../../activities/traffic/cloud-run-traffic';
import { closeCloudRunClients, cloudRunClients } from '../../activities/traffic/cloud-run-clients';
import { releaseServiceGroup, SANDBOX_ROLLOUT_ENVIRONMENT } from '../../sandbox/rollout';
import { loadEnvironment, type GlobalOptions } from '../context';

/**
 * A demo run again on the same sandbox finds the release group where the last demo left it: on
 * its candidate. Puts every service back on its stable revision through the Cloud Run API, as an
 * operator would with `gcloud run services update-traffic --to-revisions STABLE=100`, so the
 * rollout has something to roll out. Gives the services it moved.
 */
export async function restoreDemoRelease(g: GlobalOptions, group: string): Promise<string[]> {
  const { env } = loadEnvironment({ ...g, env: SANDBOX_ROLLOUT_ENVIRONMENT });
  const services = env.serviceGroups[group]?.services;
  if (!env.cloudRun || !services) return [];
  const target = { ...env.cloudRun, sandbox: env.sandbox };
  const port = new CloudRunTrafficAdapter(target, cloudRunClients(target), { callTimeoutMs: 15_000 });
  const { stable } = releaseServiceGroup();
  const moved: string[] = [];
  try {
    for (const [role, { service }] of Object.entries(services)) {
      const revision = stable[role];
      if (!revision) continue;
      const now = await port.readService(service);
      if (now.traffic.length === 1 && now.traffic[0]?.revision === revision && now.traffic[0].percent === 100) continue;
      await port.applyAllocation(service, [{ type: 'REVISION', revision, percent: 100 }], now.etag);
      moved.push(`${service} -> ${revision}`);
    }
  } finally {
    await closeCloudRunClients();
  }
  return moved;
}
