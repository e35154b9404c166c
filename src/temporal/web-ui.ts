/** What a Web UI link needs: the frontend it belongs to, the namespace, and a configured UI if any. */
export interface WebUiTarget {
  address: string;
  namespace: string;
  /** The Web UI's base URL from configuration (`temporal.uiUrl`, DRILLCTL_UI_URL or TEMPORAL_UI_URL). */
  uiUrl?: string;
}

/** The Web UI base URL from the environment: DRILLCTL_UI_URL, else TEMPORAL_UI_URL. */
export function webUiUrlFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env.DRILLCTL_UI_URL || env.TEMPORAL_UI_URL || undefined;
}

const LOOPBACK = new Set(['127.0.0.1', '0.0.0.0', 'localhost', '::1', '[::1]']);
// Temporal Cloud frontends: <namespace>.<account>.tmprl.cloud (mTLS) and <region>.<provider>.api.temporal.io (API keys).
const TEMPORAL_CLOUD = /(\.tmprl\.cloud|\.api\.temporal\.io)$/;

function hostAndPort(address: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  return m ? { host: m[1] ?? address, port: Number(m[2]) } : { host: address, port: 7233 };
}

/**
 * The Web UI base URL. A configured one wins. Otherwise: Temporal Cloud's UI for a Cloud frontend;
 * the dev server's UI (gRPC port + 1000, what `temporal server start-dev` and `drillctl up` use)
 * for a loopback address; and port 8080 (the temporalio/ui image's default, as in
 * docker-compose.yml) on the frontend's host for any other cluster.
 */
export function webUiBase(target: Pick<WebUiTarget, 'address' | 'uiUrl'>): string {
  if (target.uiUrl) return target.uiUrl.replace(/\/+$/, '');
  const { host, port } = hostAndPort(target.address);
  if (TEMPORAL_CLOUD.test(host)) return 'https://cloud.temporal.io';
  if (LOOPBACK.has(host)) return `http://localhost:${port + 1000}`;
  return `http://${host}:8080`;
}

export function workflowHistoryUrl(target: WebUiTarget, workflowId: string, runId?: string): string {
  const base = `${webUiBase(target)}/namespaces/${encodeURIComponent(target.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${encodeURIComponent(runId)}/history` : base;
}
