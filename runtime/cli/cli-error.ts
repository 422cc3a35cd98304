/**
 * An error the user can act on: printed as one line, never with a stack trace
 * (unless RECON_DEBUG=1), and mapped to exit code 1.
 */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
