import type { Client } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES } from '../temporal/search-attributes';
import { TASK_QUEUE } from '../temporal/task-queue';
import { errorText, fail, pass, type DoctorRow } from './row';

/** Temporal: reachable, namespace present, search attributes registered, a worker polling the task queue. */
export async function temporalChecks(client: Client, address: string, namespace: string): Promise<DoctorRow[]> {
  const svc = client.workflowService;
  try {
    await svc.describeNamespace({ namespace });
  } catch (err) {
    return [fail('temporal namespace', `${address}: namespace ${namespace}: ${errorText(err)}`, `create it (temporal operator namespace create ${namespace}) or pass --namespace`)];
  }
  const rows: DoctorRow[] = [pass('temporal namespace', `${address}: namespace ${namespace} present`)];
  try {
    const res = await client.connection.operatorService.listSearchAttributes({ namespace });
    const have = new Set(Object.keys(res.customAttributes ?? {}));
    const missing = ALL_SEARCH_ATTRIBUTES.map((a) => a.name).filter((n) => !have.has(n));
    rows.push(missing.length === 0 ? pass('temporal search attributes', 'all registered') : fail('temporal search attributes', `missing ${missing.join(', ')}`, `temporal operator search-attribute create --name NAME --type Keyword for each (the embedded dev server registers them itself)`));
  } catch (err) {
    rows.push(fail('temporal search attributes', errorText(err), 'the client needs operator access to list search attributes'));
  }
  try {
    const res = await svc.describeTaskQueue({ namespace, taskQueue: { name: TASK_QUEUE, kind: 1 }, taskQueueType: 1 });
    const pollers = res.pollers?.length ?? 0;
    rows.push(pollers > 0 ? pass('temporal worker', `${pollers} poller(s) on task queue ${TASK_QUEUE}`) : fail('temporal worker', `no worker polls task queue ${TASK_QUEUE}`, 'start one: drillctl worker (or drillctl up)'));
  } catch (err) {
    rows.push(fail('temporal worker', errorText(err), 'check the Temporal address and namespace'));
  }
  return rows;
}
