/**
 * "Did you mean": the closest known name to a misspelt one.
 *
 * Why a threshold: suggesting `cash` for `zzz` helps nobody; a suggestion is offered only when the
 * edit distance is small relative to the word's length.
 */

/**
 * Edit distance counting an insertion, a deletion, a substitution or a swap of two adjacent
 * letters as one edit (optimal string alignment): `cvs` is one edit from `csv`.
 */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row = new Array<number>(b.length + 1);
    row[0] = i;
    rows.push(row);
  }
  for (let j = 0; j <= b.length; j++) rows[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1);
      rows[i]![j] = best;
    }
  }
  return rows[a.length]![b.length]!;
}

/** The best candidate within max(1, ⌊len/3⌋) edits (case-insensitive ties first), or null. */
export function closestName(name: string, candidates: Iterable<string>): string | null {
  const limit = Math.max(1, Math.floor(name.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    if (candidate === name) continue;
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0.5 : editDistance(name, candidate);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** The `{hint}` text of a diagnostic message: `, did you mean 'x'?` or nothing. */
export function didYouMean(name: string, candidates: Iterable<string>): { hint: string; suggestion: string | null } {
  const suggestion = closestName(name, candidates);
  return { hint: suggestion ? `; did you mean '${suggestion}'?` : '', suggestion };
}
