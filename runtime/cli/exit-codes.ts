/**
 * Exit codes of the `recon` command line (RUNTIME.md section 2). CI scripts branch on these, so
 * they are named once here and nowhere else.
 */
export const EXIT = {
  ok: 0,
  error: 1,
  drift: 2,
  waitingForApproval: 3,
  limitExceeded: 4,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
