import { cloudRunClients } from '../activities/traffic/cloud-run-clients';
import { CloudRunTrafficAdapter } from '../activities/traffic/cloud-run-traffic';
import type { EnvironmentConfig } from '../domain/config/schema';
import { describeServing, servingShares } from '../domain/traffic/service-state';
import { errorText, fail, pass, type DoctorRow } from './row';

/** What the worker's identity needs on every service it drills or rolls out (README: "Running against real Cloud Run"). */
export const REQUIRED_RUN_PERMISSIONS = ['run.services.get', 'run.services.update', 'run.operations.get', 'run.revisions.list'];

/** Each service of each group (or of `group` alone): readable, and the permissions granted. Read-only. */
export async function cloudRunChecks(envName: string, env: EnvironmentConfig, group?: string): Promise<DoctorRow[]> {
  if (!env.cloudRun) return Object.keys(env.serviceGroups).length ? [fail('cloud-run', `environment ${envName} has service groups but no cloudRun section`, 'add cloudRun.project and cloudRun.region')] : [];
  const target = { ...env.cloudRun, sandbox: env.sandbox };
  const clients = cloudRunClients(target);
  const port = new CloudRunTrafficAdapter(target, clients, { callTimeoutMs: 15_000 });
  const rows: DoctorRow[] = [];
  const groups = Object.entries(env.serviceGroups).filter(([name]) => !group || name === group);
  for (const [, g] of groups) {
    for (const s of Object.values(g.services)) {
      try {
        const snapshot = await port.readService(s.service);
        rows.push(pass(`cloud-run read ${s.service}`, `readable; serving ${describeServing(servingShares(snapshot))}${snapshot.ready ? '' : ` (not Ready: ${snapshot.readyDetail})`}`));
      } catch (err) {
        rows.push(fail(`cloud-run read ${s.service}`, errorText(err), `check the service id, cloudRun.project (${target.project}) and region (${target.region}), and that the worker's account has run.services.get`));
        continue;
      }
      try {
        const resource = clients.services.servicePath(target.project, target.region, s.service);
        const [res] = await clients.services.testIamPermissions({ resource, permissions: REQUIRED_RUN_PERMISSIONS }, { timeout: 15_000, retry: null });
        const granted = new Set(res.permissions ?? []);
        const missing = REQUIRED_RUN_PERMISSIONS.filter((p) => !granted.has(p));
        rows.push(
          missing.length === 0
            ? pass(`cloud-run iam ${s.service}`, `granted: ${REQUIRED_RUN_PERMISSIONS.join(', ')}`)
            : fail(`cloud-run iam ${s.service}`, `missing permission ${missing.join(', ')} on service ${s.service}`, `grant the worker's service account roles/run.developer on ${s.service} (or a custom role with ${REQUIRED_RUN_PERMISSIONS.join(', ')})`),
        );
      } catch (err) {
        rows.push(fail(`cloud-run iam ${s.service}`, `testIamPermissions failed: ${errorText(err)}`, 'check the worker credentials (Application Default Credentials)'));
      }
    }
  }
  return rows;
}
