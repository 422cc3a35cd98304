/**
 * The progress bar of `recon apply` (RUNTIME.md section 2: applying actions shows a progress bar
 * on a TTY and nothing extra when not on one). One bar per policy, on stderr, so the summary on
 * stdout stays clean for pipes.
 */
import cliProgress from 'cli-progress';
import type { ApplyProgressEvent } from '../apply/apply-runner.js';
import type { CliOutput } from './cli-output.js';

export class ApplyProgress {
  private bar: cliProgress.SingleBar | null = null;
  private policy: string | null = null;

  constructor(private readonly output: CliOutput) {}

  update(event: ApplyProgressEvent): void {
    if (!this.output.isTty || event.total === 0) return;
    if (this.policy !== event.policy) {
      this.stop();
      this.policy = event.policy;
      this.bar = new cliProgress.SingleBar(
        { format: 'applying {policy} [{bar}] {value}/{total} actions, {failed} failed, {eta_formatted} left', stream: process.stderr, clearOnComplete: true, hideCursor: true },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(event.total, 0, { policy: event.policy, failed: 0 });
    }
    this.bar?.update(event.settled, { policy: event.policy, failed: event.failed });
  }

  stop(): void {
    this.bar?.stop();
    this.bar = null;
    this.policy = null;
  }
}
