let last = 0n;

/** A Convex timestamp: nanoseconds since the epoch as int64, strictly increasing within this process. */
export function nextConvexTs(): bigint {
  const now = BigInt(Date.now()) * 1_000_000n;
  last = now > last ? now : last + 1n;
  return last;
}
