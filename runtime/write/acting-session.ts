/**
 * The session shape of writers that act at once (HTTP, exec): `perform` changes the remote
 * system, so `commit` has nothing left to make durable and only hands back what was performed
 * since the last commit, for the executor to record as applied.
 */
import type { WriteAction, WriteSession } from './writer.js';

export abstract class ActingWriteSession implements WriteSession {
  private performed: WriteAction[] = [];

  /** Performs the action on the remote system; throws a `WriteError` on failure. */
  protected abstract act(action: WriteAction, signal?: AbortSignal): Promise<void>;

  async perform(action: WriteAction, signal?: AbortSignal): Promise<void> {
    await this.act(action, signal);
    this.performed.push(action);
  }

  async commit(): Promise<WriteAction[]> {
    return this.performed.splice(0);
  }

  async close(): Promise<void> {
    this.performed = [];
  }
}
