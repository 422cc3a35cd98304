/**
 * LSP's lifecycle rules, which `vscode-languageserver` leaves to each server, applied to the
 * messages as they are read, before any handler sees them:
 * - before `initialize`, a request is answered with `ServerNotInitialized` (-32002) and a
 *   notification dropped, except `exit` (a client may stop a server it never initialized);
 * - `initialize` is accepted once; a second one is an `InvalidRequest` (-32600): it would re-run
 *   the set-up (workspace folders, trust, settings) under a running session;
 * - after `shutdown`, a request is an `InvalidRequest` and a notification other than `exit` is
 *   dropped: the server has released its preview workers and publishes nothing any more.
 * Responses (to the server's own requests) always pass.
 *
 * Why at the reader: every handler would otherwise have to check the state itself, and the
 * connection answers the requests it has no handler for (MethodNotFound) before any per-handler
 * check could run. The dispatcher (`server.ts`) stays as it is.
 */
import { ErrorCodes, Message, type DataCallback, type Disposable, type MessageReader, type MessageWriter, type RequestMessage } from 'vscode-languageserver/node';

type LifecycleState = 'uninitialized' | 'running' | 'shutdown';

/** Wraps `reader` so that the messages LSP's lifecycle forbids never reach the connection; refusals are written to `writer`. */
export function lifecycleGate(reader: MessageReader, writer: MessageWriter): MessageReader {
  let state: LifecycleState = 'uninitialized';
  const refuse = (request: RequestMessage, code: number, message: string): void => {
    void writer.write({ jsonrpc: '2.0', id: request.id, error: { code, message } } as Message).catch(() => undefined);
  };
  /** Whether the connection may see `message`; refuses a forbidden request on the way. */
  const admit = (message: Message): boolean => {
    if (Message.isRequest(message)) {
      const method = message.method;
      if (state === 'uninitialized') {
        if (method === 'initialize') {
          state = 'running';
          return true;
        }
        refuse(message, ErrorCodes.ServerNotInitialized, `the server is not initialized: send 'initialize' before '${method}'`);
        return false;
      }
      if (state === 'shutdown') {
        refuse(message, ErrorCodes.InvalidRequest, `the server is shut down: only 'exit' is accepted, not '${method}'`);
        return false;
      }
      if (method === 'initialize') {
        refuse(message, ErrorCodes.InvalidRequest, "the server is initialized already: 'initialize' may be sent once");
        return false;
      }
      if (method === 'shutdown') state = 'shutdown';
      return true;
    }
    if (Message.isNotification(message)) return state === 'running' || message.method === 'exit';
    return true;
  };
  return {
    get onError() {
      return reader.onError;
    },
    get onClose() {
      return reader.onClose;
    },
    get onPartialMessage() {
      return reader.onPartialMessage;
    },
    listen(callback: DataCallback): Disposable {
      return reader.listen((message) => {
        if (admit(message)) callback(message);
      });
    },
    dispose(): void {
      reader.dispose();
    },
  };
}
