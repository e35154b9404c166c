import { parseReprojectLine, stripTerminalCodes, type ReprojectLine } from './line';

export type OutputStream = 'stdout' | 'stderr';

/** The counters of `mix runtime.convex.reproject --all` (`Convex reprojection summary:`). */
export interface ReprojectAllSummary {
  totalEntities: number;
  succeededEntities: number;
  failedEntities: number;
}

export interface ReprojectOutput {
  entries: (ReprojectLine & { stream: OutputStream })[];
  malformed: { stream: OutputStream; raw: string; problem: string }[];
  /** Error-level log lines and exceptions; the evaluation decides which concern the reprojection. */
  errorLogs: { stream: OutputStream; raw: string }[];
  summary?: ReprojectAllSummary;
  /** Set when the summary header was printed but its counters were not all readable. */
  summaryProblem?: string;
  /** Lines that are none of the above nor the summary (compile output, logs). */
  noiseLines: number;
}

const SUMMARY_HEADER = 'Convex reprojection summary:';
const COUNTERS = { total_entities: 'totalEntities', succeeded_entities: 'succeededEntities', failed_entities: 'failedEntities' } as const;

/** Parses everything a reproject command printed, on both streams (errors go to stderr). */
export function parseReprojectOutput(streams: { stdout: string; stderr: string }): ReprojectOutput {
  const out: ReprojectOutput = { entries: [], malformed: [], errorLogs: [], noiseLines: 0 };
  let counters: Partial<Record<keyof ReprojectAllSummary, number>> | undefined;
  for (const stream of ['stdout', 'stderr'] as const) {
    for (const text of streams[stream].split('\n')) {
      const line = stripTerminalCodes(text).trim();
      if (!line) continue;
      if (line === SUMMARY_HEADER) {
        counters = {};
        continue;
      }
      const counter = /^(total_entities|succeeded_entities|failed_entities):\s*(\S+)$/.exec(line);
      if (counter && counters) {
        const value = counter[2]!;
        if (/^\d+$/.test(value)) counters[COUNTERS[counter[1] as keyof typeof COUNTERS]] = Number(value);
        else out.summaryProblem = `${counter[1]}: ${value} is not a count`;
        continue;
      }
      const parsed = parseReprojectLine(line);
      if (!parsed) out.noiseLines++;
      else if (parsed.kind === 'entity') out.entries.push({ ...parsed.line, stream });
      else if (parsed.kind === 'error-log') out.errorLogs.push({ stream, raw: parsed.raw });
      else out.malformed.push({ stream, raw: parsed.raw, problem: parsed.problem });
    }
  }
  if (counters) {
    const { totalEntities, succeededEntities, failedEntities } = counters;
    if (totalEntities === undefined || succeededEntities === undefined || failedEntities === undefined) {
      out.summaryProblem ??= `the summary lacks ${Object.entries(COUNTERS).filter(([, k]) => counters![k] === undefined).map(([n]) => n).join(', ')}`;
    } else {
      out.summary = { totalEntities, succeededEntities, failedEntities };
    }
  }
  return out;
}
