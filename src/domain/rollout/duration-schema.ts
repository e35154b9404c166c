import { z } from 'zod';
import { DURATION_PATTERN, durationMs, formatDuration } from './duration';

/** A duration string (`90s`, `5m`, `24h`, `2d`) no longer than `maxMs` (src/domain/duration-limits.ts says why each cap). */
export function boundedDuration(maxMs: number) {
  return z
    .string()
    .regex(DURATION_PATTERN, { message: 'expected a duration like 90s, 5m, 24h or 2d' })
    .refine((text) => !DURATION_PATTERN.test(text) || durationMs(text) <= maxMs, { message: `at most ${formatDuration(maxMs)}` });
}
