/** The one task queue shared by the worker and every client. */
export const TASK_QUEUE = 'drillctl';
