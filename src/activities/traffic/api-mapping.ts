import type { protos } from '@google-cloud/run';
import { snapshotAllocation, shortRevisionName, TrafficParseError, allocationType, type RawTrafficTarget } from '../../domain/traffic/allocation';
import { readinessOf, readinessOfCondition, type RawCondition } from '../../domain/traffic/readiness';
import type { RevisionInfo, ServiceSnapshot, TrafficStatus } from '../../domain/traffic/service-state';

type IService = protos.google.cloud.run.v2.IService;
type IRevision = protos.google.cloud.run.v2.IRevision;
type Int64 = number | string | { toString(): string } | null | undefined;

const toNumber = (v: Int64): number => (v == null ? 0 : Number(v.toString()));

function timestampMs(t: protos.google.protobuf.ITimestamp | null | undefined): number {
  return t ? toNumber(t.seconds) * 1000 + Math.floor((t.nanos ?? 0) / 1e6) : 0;
}

function trafficStatuses(raw: protos.google.cloud.run.v2.ITrafficTargetStatus[] | null | undefined): TrafficStatus[] {
  return (raw ?? []).map((st, i) => {
    const type = allocationType(st.type as RawTrafficTarget['type']);
    if (!type) throw new TrafficParseError(`traffic_statuses[${i}]: unsupported traffic type ${JSON.stringify(st.type)}`);
    return {
      type,
      revision: st.revision ? shortRevisionName(st.revision) : '',
      percent: st.percent ?? 0,
      ...(st.tag ? { tag: st.tag } : {}),
      ...(st.uri ? { uri: st.uri } : {}),
    };
  });
}

/**
 * A Service from getService (string enums) or from an LRO result (numeric enums, Long int64s,
 * absent defaults) as the domain's snapshot.
 */
export function toServiceSnapshot(s: IService): ServiceSnapshot {
  const ready = readinessOfCondition(s.terminalCondition as RawCondition | null | undefined);
  return {
    service: shortRevisionName(s.name ?? ''),
    uri: s.uri ?? '',
    etag: s.etag ?? '',
    generation: toNumber(s.generation as Int64),
    observedGeneration: toNumber(s.observedGeneration as Int64),
    reconciling: !!s.reconciling,
    ready: ready.ready,
    readyDetail: ready.detail,
    traffic: snapshotAllocation(s.traffic as RawTrafficTarget[] | null | undefined),
    trafficStatuses: trafficStatuses(s.trafficStatuses),
    ...(s.latestReadyRevision ? { latestReadyRevision: shortRevisionName(s.latestReadyRevision) } : {}),
    ...(s.latestCreatedRevision ? { latestCreatedRevision: shortRevisionName(s.latestCreatedRevision) } : {}),
  };
}

export function toRevisionInfo(r: IRevision): RevisionInfo {
  const readiness = readinessOf(r.conditions as RawCondition[] | null | undefined);
  const image = r.containers?.find((c) => c.ports?.length)?.image ?? r.containers?.[0]?.image;
  return { name: shortRevisionName(r.name ?? ''), createTimeMs: timestampMs(r.createTime), ready: readiness.ready, readyDetail: readiness.detail, ...(image ? { image } : {}) };
}
