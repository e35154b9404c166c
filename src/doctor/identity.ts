import { cloudRunClients } from '../activities/traffic/cloud-run-clients';
import { CloudRunTrafficAdapter } from '../activities/traffic/cloud-run-traffic';
import type { EnvironmentConfig } from '../domain/config/schema';
import { effectiveIdentity, imageServesVersion, RTO_MEANING, versionFromBody } from '../domain/traffic/revision-identity';
import { errorText, fail, pass, warn, type DoctorRow } from './row';

/** One probe per service shows whether its identity strategy can name the serving revision. Read-only (GETs). */
export async function identityChecks(env: EnvironmentConfig, group?: string): Promise<DoctorRow[]> {
  if (!env.cloudRun) return [];
  const target = { ...env.cloudRun, sandbox: env.sandbox };
  const port = new CloudRunTrafficAdapter(target, cloudRunClients(target), { callTimeoutMs: 15_000 });
  const rows: DoctorRow[] = [];
  for (const [, g] of Object.entries(env.serviceGroups).filter(([name]) => !group || name === group)) {
    for (const s of Object.values(g.services)) {
      const identity = effectiveIdentity(s.probe);
      const check = `identity ${s.service}`;
      if (identity === 'none') {
        rows.push(pass(check, `none: RTO runs ${RTO_MEANING.none}`));
        continue;
      }
      try {
        const snapshot = await port.readService(s.service);
        const base = s.probe.url ?? snapshot.uri;
        if ('header' in identity) {
          const res = await fetch(new URL(s.probe.path, base), { signal: AbortSignal.timeout(10_000), redirect: 'manual' });
          await res.arrayBuffer();
          const named = res.headers.get(identity.header);
          rows.push(
            named
              ? pass(check, `header ${identity.header}: the answer named revision ${named}`)
              : fail(check, `header ${identity.header}: the answer (HTTP ${res.status}) names no revision`, `echo K_REVISION in ${identity.header} from the app or a sidecar (README), or set identity: none`),
          );
        } else {
          const revisions = await port.listRevisions(s.service);
          const res = await fetch(new URL(identity.versionEndpoint.path, base), { signal: AbortSignal.timeout(10_000) });
          const version = versionFromBody(await res.text(), identity.versionEndpoint.field);
          const match = version ? revisions.filter((r) => r.image && imageServesVersion(r.image, version)) : [];
          const images = new Set(revisions.map((r) => r.image));
          if (!version) rows.push(fail(check, `versionEndpoint ${identity.versionEndpoint.path}: HTTP ${res.status}, no version found`, 'fix the path or field, or set identity: none'));
          else if (match.length === 0) rows.push(fail(check, `versionEndpoint: version ${version} is in no revision's image`, 'tag images with the version they serve, or set identity: none'));
          else if (images.size < revisions.length) rows.push(warn(check, `versionEndpoint: version ${version} identifies ${match.map((r) => r.name).join(', ')}; some revisions share an image, and drills between them fall back to none`));
          else rows.push(pass(check, `versionEndpoint: version ${version} identifies ${match[0]!.name}`));
        }
      } catch (err) {
        rows.push(fail(check, errorText(err), 'check the service URL (probe.url) and that the worker can reach it'));
      }
    }
  }
  return rows;
}
