/** A mistake in the command line itself: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError'
}

/** Anything else that stops a command: printed as one line, exit code 1. */
export class CommandError extends Error {
  override name = 'CommandError'
}
