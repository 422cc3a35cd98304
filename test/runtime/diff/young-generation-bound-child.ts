/**
 * `node --import tsx young-generation-bound-child.ts bound|free`: allocates 64 MB of objects that
 * survive (as items do), after calling `boundYoungGeneration` or not, and prints the young
 * generation's capacity before and after as JSON.
 */
import { getHeapSpaceStatistics } from 'node:v8';
import { boundYoungGeneration } from '../../../runtime/diff/young-generation-bound.js';

const youngCapacity = (): number => getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')!.space_size;

const before = youngCapacity();
if (process.argv[2] === 'bound') boundYoungGeneration();
const kept: { id: number; text: string; values: number[] }[] = [];
for (let i = 0; i < 400_000; i++) kept.push({ id: i, text: `item ${i}`, values: [i, i + 1, i + 2] });
process.stdout.write(JSON.stringify({ before, after: youngCapacity(), kept: kept.length }));
