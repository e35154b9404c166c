import type { RequestLog, ServedRequest } from '../cloud-run/request-log';

/**
 * The PromQL subset the sandbox's Prometheus answers, over the routers' request log. Series:
 *   cloud_run_requests_total{service_name, revision_name, response_code, response_code_class}
 *   cloud_run_request_latency_seconds_bucket{service_name, revision_name, le}  (and _sum, _count)
 * Expressions: selectors with = != =~ !~ matchers, optionally with a range [30s|5m|1h|1d] inside
 * rate() or increase(); sum/avg/min/max/count with optional `by (labels)`; histogram_quantile();
 * + - * / between vectors with identical labels or with numbers; `or` (the union, for
 * `(...) or vector(0)` when a series may be absent); vector(n); parentheses; number literals.
 * increase() is exact (the requests in the window), not extrapolated as Prometheus does.
 */
export class PromQLError extends Error {}

export type Labels = Record<string, string>;
export interface Sample {
  labels: Labels;
  value: number;
}
export type Result = { kind: 'vector'; samples: Sample[] } | { kind: 'scalar'; value: number };

const LATENCY_LE = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const METRICS = ['cloud_run_requests_total', 'cloud_run_request_latency_seconds_bucket', 'cloud_run_request_latency_seconds_sum', 'cloud_run_request_latency_seconds_count'];

type Token = { t: 'num' | 'id' | 'str' | 'dur' | 'op'; v: string };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  const re = /\s*(?:(\d+(?:\.\d+)?(?:ms|s|m|h|d|w|y))|(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|([A-Za-z_:][A-Za-z0-9_:]*)|"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)'|(=~|!~|!=|==|>=|<=|[-+*/(){}[\],=<>^%]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new PromQLError(`cannot parse ${JSON.stringify(src.slice(i, i + 20))}`);
    i = re.lastIndex;
    if (m[1]) out.push({ t: 'dur', v: m[1] });
    else if (m[2]) out.push({ t: 'num', v: m[2] });
    else if (m[3]) out.push({ t: 'id', v: m[3] });
    else if (m[4] !== undefined || m[5] !== undefined) out.push({ t: 'str', v: (m[4] ?? m[5]!).replace(/\\(.)/g, '$1') });
    else out.push({ t: 'op', v: m[6]! });
  }
  return out;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000, y: 31_536_000_000 };
function durationOf(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w|y)$/.exec(text)!;
  return Number(m[1]) * UNIT_MS[m[2]!]!;
}

interface Matcher {
  label: string;
  op: string;
  value: string;
}

/** The series of one metric at `atMs`: counters since the log began, or their increase over `rangeMs`. */
function seriesOf(log: RequestLog, metric: string, matchers: Matcher[], atMs: number, rangeMs: number | undefined): Sample[] {
  if (!METRICS.includes(metric)) throw new PromQLError(`unknown metric ${metric}; the sandbox has ${METRICS.join(', ')}`);
  const requests = log.between(rangeMs === undefined ? -Infinity : atMs - rangeMs, atMs);
  const groups = new Map<string, Sample>();
  const add = (labels: Labels, v: number): void => {
    if (!matchers.every((m) => matches(m, labels[m.label] ?? ''))) return;
    const key = JSON.stringify(labels);
    const s = groups.get(key) ?? { labels, value: 0 };
    s.value += v;
    groups.set(key, s);
  };
  const base = (r: ServedRequest): Labels => ({ __name__: metric, service_name: r.service, revision_name: r.revision });
  for (const r of requests) {
    if (metric === 'cloud_run_requests_total') add({ ...base(r), response_code: String(r.status), response_code_class: `${Math.floor(r.status / 100)}xx` }, 1);
    else if (metric.endsWith('_count')) add(base(r), 1);
    else if (metric.endsWith('_sum')) add(base(r), r.latencyMs / 1000);
    else for (const le of [...LATENCY_LE, Infinity]) add({ ...base(r), le: le === Infinity ? '+Inf' : String(le) }, r.latencyMs / 1000 <= le ? 1 : 0);
  }
  return [...groups.values()];
}

function matches(m: Matcher, actual: string): boolean {
  switch (m.op) {
    case '=':
      return actual === m.value;
    case '!=':
      return actual !== m.value;
    case '=~':
      return new RegExp(`^(?:${m.value})$`).test(actual);
    default:
      return !new RegExp(`^(?:${m.value})$`).test(actual);
  }
}

const withoutName = (l: Labels): Labels => Object.fromEntries(Object.entries(l).filter(([k]) => k !== '__name__'));

function histogramQuantile(q: number, v: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; buckets: { le: number; count: number }[] }>();
  for (const s of v) {
    const { le, ...rest } = withoutName(s.labels);
    if (le === undefined) continue;
    const key = JSON.stringify(rest);
    const g = groups.get(key) ?? { labels: rest, buckets: [] };
    g.buckets.push({ le: le === '+Inf' ? Infinity : Number(le), count: s.value });
    groups.set(key, g);
  }
  return [...groups.values()].flatMap(({ labels, buckets }) => {
    buckets.sort((a, b) => a.le - b.le);
    const total = buckets[buckets.length - 1]?.count ?? 0;
    if (total === 0 || buckets[buckets.length - 1]!.le !== Infinity) return [];
    const rank = q * total;
    let prevLe = 0;
    let prevCount = 0;
    for (const b of buckets) {
      if (b.count >= rank) {
        if (b.le === Infinity) return [{ labels, value: prevLe }];
        const inBucket = b.count - prevCount;
        return [{ labels, value: prevLe + (b.le - prevLe) * (inBucket > 0 ? (rank - prevCount) / inBucket : 0) }];
      }
      prevLe = b.le;
      prevCount = b.count;
    }
    return [];
  });
}

const AGGREGATIONS = new Set(['sum', 'avg', 'min', 'max', 'count']);

function aggregate(op: string, by: string[] | undefined, v: Sample[]): Sample[] {
  const groups = new Map<string, { labels: Labels; values: number[] }>();
  for (const s of v) {
    const labels = Object.fromEntries((by ?? []).filter((l) => s.labels[l] !== undefined).map((l) => [l, s.labels[l]!]));
    const key = JSON.stringify(labels);
    const g = groups.get(key) ?? { labels, values: [] };
    g.values.push(s.value);
    groups.set(key, g);
  }
  return [...groups.values()].map(({ labels, values }) => {
    const sum = values.reduce((a, b) => a + b, 0);
    const value = op === 'sum' ? sum : op === 'avg' ? sum / values.length : op === 'min' ? Math.min(...values) : op === 'max' ? Math.max(...values) : values.length;
    return { labels, value };
  });
}

function arith(op: string, a: number, b: number): number {
  return op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : a / b;
}

function binary(op: string, l: Result, r: Result): Result {
  if (l.kind === 'scalar' && r.kind === 'scalar') return { kind: 'scalar', value: arith(op, l.value, r.value) };
  if (l.kind === 'scalar') return { kind: 'vector', samples: (r as { samples: Sample[] }).samples.map((s) => ({ labels: withoutName(s.labels), value: arith(op, l.value, s.value) })) };
  if (r.kind === 'scalar') return { kind: 'vector', samples: l.samples.map((s) => ({ labels: withoutName(s.labels), value: arith(op, s.value, r.value) })) };
  const right = new Map(r.samples.map((s) => [JSON.stringify(withoutName(s.labels)), s]));
  return {
    kind: 'vector',
    samples: l.samples.flatMap((s) => {
      const labels = withoutName(s.labels);
      const other = right.get(JSON.stringify(labels));
      return other ? [{ labels, value: arith(op, s.value, other.value) }] : [];
    }),
  };
}

/** Evaluates an instant query at `atMs` over the request log. */
export function evaluate(query: string, log: RequestLog, atMs: number): Result {
  const tokens = tokenize(query);
  let pos = 0;
  const peek = (): Token | undefined => tokens[pos];
  const next = (): Token => {
    const t = tokens[pos++];
    if (!t) throw new PromQLError('unexpected end of query');
    return t;
  };
  const expect = (v: string): void => {
    const t = next();
    if (t.v !== v) throw new PromQLError(`expected "${v}", found "${t.v}"`);
  };
  const vector = (r: Result, where: string): Sample[] => {
    if (r.kind !== 'vector') throw new PromQLError(`${where} needs an instant vector`);
    return r.samples;
  };

  const selector = (name: string): { metric: string; matchers: Matcher[]; rangeMs?: number } => {
    const matchers: Matcher[] = [];
    if (peek()?.v === '{') {
      next();
      while (peek()?.v !== '}') {
        const label = next();
        const op = next();
        const value = next();
        if (label.t !== 'id' || !['=', '!=', '=~', '!~'].includes(op.v) || value.t !== 'str') throw new PromQLError(`bad label matcher near "${label.v}"`);
        matchers.push({ label: label.v, op: op.v, value: value.v });
        if (peek()?.v === ',') next();
      }
      expect('}');
    }
    let rangeMs: number | undefined;
    if (peek()?.v === '[') {
      next();
      const d = next();
      if (d.t !== 'dur') throw new PromQLError(`expected a duration like 5m in [...], found "${d.v}"`);
      rangeMs = durationOf(d.v);
      expect(']');
    }
    return { metric: name, matchers, ...(rangeMs !== undefined ? { rangeMs } : {}) };
  };

  const primary = (): Result => {
    const t = next();
    if (t.t === 'num') return { kind: 'scalar', value: Number(t.v) };
    if (t.v === '(') {
      const r = union();
      expect(')');
      return r;
    }
    if (t.v === '-') {
      const r = primary();
      return binary('*', { kind: 'scalar', value: -1 }, r);
    }
    if (t.t !== 'id') throw new PromQLError(`unexpected "${t.v}"`);
    if (t.v === 'rate' || t.v === 'increase') {
      expect('(');
      const name = next();
      if (name.t !== 'id') throw new PromQLError(`${t.v}() needs a range vector selector like metric{...}[5m]`);
      const s = selector(name.v);
      expect(')');
      if (s.rangeMs === undefined) throw new PromQLError(`${t.v}() needs a range vector selector like ${name.v}[5m]`);
      const samples = seriesOf(log, s.metric, s.matchers, atMs, s.rangeMs).map((x) => ({ labels: withoutName(x.labels), value: t.v === 'rate' ? x.value / (s.rangeMs! / 1000) : x.value }));
      return { kind: 'vector', samples };
    }
    if (t.v === 'histogram_quantile') {
      expect('(');
      const q = expr();
      expect(',');
      const v = expr();
      expect(')');
      if (q.kind !== 'scalar') throw new PromQLError('histogram_quantile() takes a number first');
      return { kind: 'vector', samples: histogramQuantile(q.value, vector(v, 'histogram_quantile()')) };
    }
    if (t.v === 'vector') {
      expect('(');
      const n = expr();
      expect(')');
      if (n.kind !== 'scalar') throw new PromQLError('vector() takes a number');
      return { kind: 'vector', samples: [{ labels: {}, value: n.value }] };
    }
    if (AGGREGATIONS.has(t.v)) {
      let by: string[] | undefined;
      const readBy = (): void => {
        if (peek()?.v !== 'by') return;
        next();
        expect('(');
        by = [];
        while (peek()?.v !== ')') {
          by.push(next().v);
          if (peek()?.v === ',') next();
        }
        expect(')');
      };
      readBy();
      expect('(');
      const v = expr();
      expect(')');
      readBy();
      return { kind: 'vector', samples: aggregate(t.v, by, vector(v, `${t.v}()`)) };
    }
    const s = selector(t.v);
    if (s.rangeMs !== undefined) throw new PromQLError('a range vector can only be read through rate() or increase()');
    return { kind: 'vector', samples: seriesOf(log, s.metric, s.matchers, atMs, undefined) };
  };

  const term = (): Result => {
    let l = primary();
    while (peek()?.v === '*' || peek()?.v === '/') l = binary(next().v, l, primary());
    return l;
  };
  const expr = (): Result => {
    let l = term();
    while (peek()?.v === '+' || peek()?.v === '-') l = binary(next().v, l, term());
    return l;
  };

  const union = (): Result => {
    let l = expr();
    while (peek()?.v === 'or') {
      next();
      const r = expr();
      const left = vector(l, '"or"');
      const seen = new Set(left.map((x) => JSON.stringify(withoutName(x.labels))));
      l = { kind: 'vector', samples: [...left, ...vector(r, '"or"').filter((x) => !seen.has(JSON.stringify(withoutName(x.labels))))] };
    }
    return l;
  };

  const result = union();
  if (pos < tokens.length) throw new PromQLError(`the sandbox's Prometheus does not support "${tokens[pos]!.v}" here (see src/sandbox/README.md for the PromQL it reads)`);
  return result;
}
