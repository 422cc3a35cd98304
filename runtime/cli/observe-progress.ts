/**
 * The progress bar of long observes (RUNTIME.md section 2): shown on a TTY once a side passes a
 * few thousand records, nothing at all when not on a terminal (CI logs stay clean).
 */
import cliProgress from 'cli-progress';
import type { CliOutput } from './cli-output.js';

/** What the plan runner reports while reading: records read so far per policy and side. */
export interface ObserveProgressEvent {
  policy: string;
  side: 'desired' | 'actual';
  records: number;
}

/** Records below which no bar is shown: short observes finish before a bar would help. */
const SHOW_AFTER_RECORDS = 5000;

export class ObserveProgress {
  private bar: cliProgress.SingleBar | null = null;
  private readonly counts = new Map<string, number>();

  constructor(private readonly output: CliOutput) {}

  update(event: ObserveProgressEvent): void {
    if (!this.output.isTty) return;
    this.counts.set(`${event.policy}/${event.side}`, event.records);
    const total = [...this.counts.values()].reduce((a, b) => a + b, 0);
    if (!this.bar) {
      if (total < SHOW_AFTER_RECORDS) return;
      this.bar = new cliProgress.SingleBar(
        { format: 'observing {policy} [{side}] {value} records', stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(0, total, { policy: event.policy, side: event.side });
    }
    this.bar.setTotal(total);
    this.bar.update(total, { policy: event.policy, side: event.side });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
