/**
 * A mistake in how the command was called (unknown flag, bad value, missing or empty folder).
 * The command line prints its message as one line on standard error and exits with code 2.
 *
 * @example
 * throw new UsageError("--epochs must be an integer ≥ 1; got 'two'");
 */
export class UsageError extends Error {
  /** Exit code of the process: 2, as for every usage error. */
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}
