/**
 * "Did you mean": the closest known name to a misspelt one.
 *
 * Why a threshold: suggesting `cash` for `zzz` helps nobody; a suggestion is offered only when the
 * edit distance is small relative to the word's length.
 */

/** Damerau-free Levenshtein distance (insert, delete, substitute). */
export function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  const previous = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return previous[b.length]!;
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
