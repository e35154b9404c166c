/** Web UI base URL: DRILLCTL_UI_URL, else the embedded dev server's UI (gRPC port + 1000). */
export function webUiBase(address: string): string {
  if (process.env.DRILLCTL_UI_URL) return process.env.DRILLCTL_UI_URL.replace(/\/$/, '');
  const [host, port] = address.split(':');
  const uiPort = Number(port ?? 7233) + 1000;
  return `http://${host === '127.0.0.1' || host === '0.0.0.0' ? 'localhost' : host}:${uiPort}`;
}

export function workflowHistoryUrl(address: string, namespace: string, workflowId: string, runId?: string): string {
  const base = `${webUiBase(address)}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(workflowId)}`;
  return runId ? `${base}/${runId}/history` : base;
}
