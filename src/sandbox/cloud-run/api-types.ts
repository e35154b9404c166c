/**
 * Plain-object shapes of the Cloud Run Admin API v2 messages as the emulator sends and receives them
 * (proto-loader with `enums: String, longs: String, defaults: true`): string enums, int64 as
 * strings, every unset scalar filled in with its default.
 */
export type AllocationType =
  | 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED'
  | 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST'
  | 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

export const LATEST: AllocationType = 'TRAFFIC_TARGET_ALLOCATION_TYPE_LATEST';
export const REVISION: AllocationType = 'TRAFFIC_TARGET_ALLOCATION_TYPE_REVISION';

export interface ApiTrafficTarget {
  type: AllocationType;
  revision: string;
  percent: number;
  tag: string;
}

export interface ApiTrafficStatus extends ApiTrafficTarget {
  uri: string;
}

export type ConditionState = 'CONDITION_PENDING' | 'CONDITION_RECONCILING' | 'CONDITION_FAILED' | 'CONDITION_SUCCEEDED';

export interface ApiTimestamp {
  seconds: string;
  nanos: number;
}

export function timestamp(ms: number): ApiTimestamp {
  return { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1_000_000 };
}

/** A traffic target as the client sent it, defaults filled in or not. */
export function normalizeTarget(raw: Partial<ApiTrafficTarget> | undefined): ApiTrafficTarget {
  return {
    type: (raw?.type ?? 'TRAFFIC_TARGET_ALLOCATION_TYPE_UNSPECIFIED') as AllocationType,
    revision: raw?.revision ?? '',
    percent: raw?.percent ?? 0,
    tag: raw?.tag ?? '',
  };
}
