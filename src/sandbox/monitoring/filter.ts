/** One `field = "value"` (or `!=`) term of a monitoring filter. */
export interface FilterTerm {
  field: string;
  negated: boolean;
  value: string;
}

/** A filter the emulator cannot answer: the API would, so the emulator says plainly what it lacks. */
export class UnsupportedFilterError extends Error {}

const TERM = /^\s*([a-z_]+(?:\.[a-z_]+)*)\s*(!=|=)\s*"((?:[^"\\]|\\.)*)"\s*$/;
const FIELD = /^(metric\.type|resource\.type|metric\.labels?\.[a-z_]+|resource\.labels?\.[a-z_]+)$/;

/**
 * The subset of Cloud Monitoring's filter language the emulator reads: `field = "value"` and
 * `field != "value"` terms joined by AND, on metric.type, resource.type, metric.labels.NAME and
 * resource.labels.NAME (`label` singular too, as the API also accepts). Anything else (OR,
 * starts_with, one_of, has_substring, parentheses) is refused with INVALID_ARGUMENT.
 */
export function parseFilter(filter: string): FilterTerm[] {
  const parts = filter.split(/\s+AND\s+/);
  return parts.map((part) => {
    const m = TERM.exec(part);
    if (!m || !FIELD.test(m[1]!)) {
      throw new UnsupportedFilterError(`the sandbox's Cloud Monitoring understands only field = "value" terms joined by AND on metric.type, resource.type, metric.labels.* and resource.labels.*; cannot read ${JSON.stringify(part.trim())}`);
    }
    return { field: m[1]!.replace(/\.label\./, '.labels.'), negated: m[2] === '!=', value: m[3]!.replace(/\\(.)/g, '$1') };
  });
}

/** Whether a series with these labels passes every term. */
export function matchesFilter(terms: readonly FilterTerm[], series: { metricType: string; resourceType: string; metricLabels: Record<string, string>; resourceLabels: Record<string, string> }): boolean {
  return terms.every((t) => {
    const actual =
      t.field === 'metric.type'
        ? series.metricType
        : t.field === 'resource.type'
          ? series.resourceType
          : t.field.startsWith('metric.labels.')
            ? series.metricLabels[t.field.slice('metric.labels.'.length)]
            : series.resourceLabels[t.field.slice('resource.labels.'.length)];
    return (actual === t.value) !== t.negated;
  });
}
