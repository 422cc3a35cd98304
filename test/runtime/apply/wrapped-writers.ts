/**
 * The real apply services with each write session's `perform` or `commit` passed through a hook
 * first: for tests that play another writer acting mid-apply (an edit before a commit) or a
 * writer that goes wrong (a skewed value verify must catch), on real files.
 */
import type { ApplyRunOptions } from '../../../runtime/apply/apply-runner.js';
import { defaultApplyServices } from '../../../runtime/apply/default-services.js';
import type { WriteAction, WriteSession } from '../../../runtime/write/writer.js';

export interface SessionHooks {
  /** Replaces `perform`; `session` is the real one. */
  perform?(session: WriteSession, action: WriteAction, signal?: AbortSignal): Promise<void>;
  /** Replaces `commit`; `session` is the real one. */
  commit?(session: WriteSession): ReturnType<WriteSession['commit']>;
}

export function servicesWrappingSessions(hooks: SessionHooks): ApplyRunOptions['services'] {
  const services = defaultApplyServices();
  return {
    ...services,
    createWriter: (source, context) => {
      const real = services.createWriter(source, context);
      return {
        staged: real.staged,
        async open() {
          const session = await real.open();
          return {
            perform: (action, signal) => (hooks.perform ? hooks.perform(session, action, signal) : session.perform(action, signal)),
            commit: () => (hooks.commit ? hooks.commit(session) : session.commit()),
            close: () => session.close(),
          };
        },
      };
    },
  };
}
