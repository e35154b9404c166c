/** One line of `drillctl doctor`: what was checked, how it went, and what to do about it. */
export interface DoctorRow {
  /** Area and subject, e.g. `cloud-run iam oa-backend`. */
  check: string;
  status: 'PASS' | 'WARN' | 'FAIL';
  detail: string;
  fix?: string;
}

export const pass = (check: string, detail: string): DoctorRow => ({ check, status: 'PASS', detail });
export const warn = (check: string, detail: string, fix?: string): DoctorRow => ({ check, status: 'WARN', detail, ...(fix ? { fix } : {}) });
export const fail = (check: string, detail: string, fix: string): DoctorRow => ({ check, status: 'FAIL', detail, fix });

export function errorText(err: unknown): string {
  const e = err as Error & { cause?: Error; details?: string };
  return e?.details ?? e?.cause?.message ?? e?.message ?? String(err);
}
