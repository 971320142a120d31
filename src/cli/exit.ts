/** Exit codes of the design contract. */
export const EXIT = {
  ok: 0,
  /** analyze found errors, or verify found the models differ */
  findings: 1,
  /** bad usage or unreadable input */
  usage: 2,
} as const;

/** An error whose message is the whole story for the user (no stack trace). */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message);
  }
}
