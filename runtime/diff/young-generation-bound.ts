/**
 * Stops V8's young generation of this process from growing any further.
 *
 * Why: while the fast path makes its items, most of what it allocates survives (the items and
 * their values), and V8 answers survival by doubling its semi-spaces, up to 16 MB each, both of
 * which then stay resident until the process ends: 32 MB of the ≈ 165 MB resident at the end of
 * a 1M-row plan. Held at the size they have when the workers end (8 MB each: V8 reserves that
 * much while the command starts, though only half of it is touched before the items), the end of
 * the run is 16 MB lower, and the items, hash and render phases' CPU stayed within noise at 1M
 * and 5M. Bounding them from the start instead (4 MB each) saves 8 MB more at the end but costs
 * the items, hash and render phases ≈ 20 ms of CPU at 1M, and the run's peak is then while the
 * workers hold the join, not at the end. `--max-semi-space-size` would do the same, but it is
 * read only when the process starts, whereas `--semi-space-growth-factor` is read at each growth.
 *
 * The flag is process-wide and stays set: only processes that run plans and end (the command
 * line) ask for it (`FastPathSettings.boundYoungGeneration`), never a host that runs other work
 * (the editor).
 */
import { setFlagsFromString } from 'node:v8';

/** Keeps the young generation at its current size for the rest of the process. */
export function boundYoungGeneration(): void {
  setFlagsFromString('--semi-space-growth-factor=1');
}
