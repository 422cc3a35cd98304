/**
 * A separate process that takes a policy lock, for the lock tests: run with
 * `node --import tsx policy-lock-child.ts STATE_DIR POLICY HOLD_MS TIMEOUT_MS OWNER [START_AT]`.
 * Prints one JSON line — `{"acquired":true,"pid":…}` or `{"acquired":false,"message":…}` — holds
 * the lock for HOLD_MS (forever when negative), then releases it and exits. START_AT (epoch ms)
 * makes several children try at the same instant, whenever each of them started.
 */
import { acquirePolicyLock, PolicyLockError } from '../../../runtime/state/policy-lock.js';

const [stateDir, policy, holdMs, timeoutMs, owner, startAt] = process.argv.slice(2);
if (startAt !== undefined) {
  // Spin the last milliseconds: timers are too coarse to line processes up.
  const at = Number(startAt);
  if (at - Date.now() > 20) await new Promise((resolve) => setTimeout(resolve, at - Date.now() - 20));
  while (Date.now() < at) {
    // wait
  }
}
try {
  const lock = await acquirePolicyLock(stateDir, policy, { lockTimeoutMs: Number(timeoutMs), owner, pollMs: 20 });
  process.stdout.write(JSON.stringify({ acquired: true, pid: process.pid, token: lock.holder.token }) + '\n');
  const hold = Number(holdMs);
  if (hold < 0) setInterval(() => undefined, 60_000);
  else {
    await new Promise((resolve) => setTimeout(resolve, hold));
    lock.release();
  }
} catch (error) {
  if (!(error instanceof PolicyLockError)) throw error;
  process.stdout.write(JSON.stringify({ acquired: false, message: error.message }) + '\n');
  process.exitCode = 3;
}
