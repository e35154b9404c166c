/** p-th percentile by nearest rank (p95 of 20 samples is the 19th smallest); undefined for no samples. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1];
}

/** The problem with a metric answer, as a thrown Error's message. */
export class MetricParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricParseError';
  }
}

/**
 * The number a metric endpoint answered: the whole body (`17`, `0.004\n`), or with `field` the
 * value at that dot path of a JSON body (`lag.p95`, `shards.0.drifts`). Numeric strings count.
 */
export function readMetricValue(body: string, field?: string): number {
  const text = body.trim();
  let value: unknown;
  if (!field) {
    value = text;
  } else {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch {
      throw new MetricParseError(`answer is not JSON, so it has no field "${field}" (starts with ${JSON.stringify(text.slice(0, 40))})`);
    }
    value = doc;
    for (const part of field.split('.')) {
      if (value === null || typeof value !== 'object' || !(part in (value as object))) throw new MetricParseError(`answer has no field "${field}"`);
      value = (value as Record<string, unknown>)[part];
    }
  }
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(n)) throw new MetricParseError(`${field ? `field "${field}"` : 'answer'} is not a number (${JSON.stringify(value).slice(0, 40)})`);
  return n;
}
