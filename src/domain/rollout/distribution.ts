/** Bucket layouts of a Cloud Monitoring distribution (google.api.Distribution.BucketOptions). */
export interface BucketOptions {
  linearBuckets?: { numFiniteBuckets: number; width: number; offset: number };
  exponentialBuckets?: { numFiniteBuckets: number; growthFactor: number; scale: number };
  explicitBuckets?: { bounds: number[] };
}

/**
 * The bounds between buckets: bucket 0 is the underflow (below the first bound), bucket i spans
 * [bounds[i-1], bounds[i]), the last one is the overflow.
 */
export function bucketBounds(o: BucketOptions): number[] {
  if (o.exponentialBuckets) {
    const { numFiniteBuckets: n, growthFactor: g, scale } = o.exponentialBuckets;
    return Array.from({ length: n + 1 }, (_, i) => scale * g ** i);
  }
  if (o.linearBuckets) {
    const { numFiniteBuckets: n, width, offset } = o.linearBuckets;
    return Array.from({ length: n + 1 }, (_, i) => offset + width * i);
  }
  return [...(o.explicitBuckets?.bounds ?? [])];
}

/** The bucket a value falls in, for the bounds above. */
export function bucketIndex(bounds: readonly number[], value: number): number {
  let i = 0;
  while (i < bounds.length && value >= bounds[i]!) i++;
  return i;
}

/**
 * The p-th percentile (0..100) of a distribution's bucket counts, interpolated linearly inside the
 * bucket that holds it (as Cloud Monitoring's percentile aligners estimate); undefined when empty.
 * The underflow and overflow buckets answer their one finite bound.
 */
export function distributionPercentile(bounds: readonly number[], counts: readonly number[], p: number): number | undefined {
  const total = counts.reduce((s, c) => s + c, 0);
  if (total === 0) return undefined;
  const rank = (p / 100) * total;
  let seen = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i] ?? 0;
    if (c > 0 && seen + c >= rank) {
      if (i === 0) return bounds[0] ?? 0;
      if (i >= bounds.length) return bounds[bounds.length - 1] ?? 0;
      const lo = bounds[i - 1]!;
      const hi = bounds[i]!;
      return lo + ((hi - lo) * Math.max(0, rank - seen)) / c;
    }
    seen += c;
  }
  return bounds[bounds.length - 1];
}
