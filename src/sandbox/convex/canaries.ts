import type { ConvexStandIn } from './convex-stand-in';
import type { ConvexObject } from './values';

export const CANARY_TABLE = 'backup_canaries';

/**
 * Documents whose types a careless JSON round trip loses: float 1.0 (re-imported as an int64 if
 * written as `1`), an int64 beyond 2^53 (rounded by JSON.parse), bytes, -0.0 and nesting. A
 * restore that keeps them byte for byte kept everything.
 */
export function canaryDocuments(): ConvexObject[] {
  return [
    { kind: 'float-one', value: 1 },
    { kind: 'int64-beyond-2^53', value: 9007199254740993n },
    { kind: 'bytes', value: new Uint8Array([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]) },
    { kind: 'text', value: 'canary ✓ ünïcode "quoted" \\ back' },
    { kind: 'nested', value: { list: [1.5, -0, 2n ** 62n], flag: true, none: null } },
  ];
}

/** Seeds the canaries once (a restarted sandbox keeps its data folder and does not seed twice). */
export function seedBackupCanaries(standIn: ConvexStandIn): void {
  if ((standIn.tables()[CANARY_TABLE] ?? 0) > 0) return;
  standIn.seed(CANARY_TABLE, canaryDocuments());
}
