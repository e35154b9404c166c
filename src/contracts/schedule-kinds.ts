/** What a schedule can start (src/client.ts builds each one's request). */
export const SCHEDULE_KIND_NAMES = ['gate', 'health', 'backup-restore', 'rollback-plan'] as const;

export type ScheduleKind = (typeof SCHEDULE_KIND_NAMES)[number];
