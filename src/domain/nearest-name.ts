/** Levenshtein distance (insertions, deletions, substitutions), two rows at a time. */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const row = [i];
    for (let j = 1; j <= b.length; j++) {
      row[j] = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = row;
  }
  return prev[b.length]!;
}

/**
 * The known name a mistyped one most likely meant: a case-insensitive match first (`Production`),
 * else the closest within a third of its length (at least 1, at most 3 edits), else the known name
 * it starts with (`bake_time` -> `bake`), else none: a suggestion is only made when it is plausibly
 * what the writer meant.
 */
export function nearestName(word: string, known: readonly string[]): string | undefined {
  const folded = known.find((k) => k.toLowerCase() === word.toLowerCase());
  if (folded) return folded;
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)));
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    if (distance <= limit && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? known.find((k) => k.length >= 3 && word.toLowerCase().startsWith(k.toLowerCase()));
}
