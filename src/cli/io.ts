// The CLI's output channels, shared by the program and its commands (a file of its own, so that commands
// need not import the program that imports them).

/** Where the CLI writes: stdout, stderr, and a progress line (only when stderr is a terminal). */
export interface CliOutput {
  stdout(text: string): void;
  stderr(text: string): void;
  progress?: (text: string) => void;
}

/** What commands write through: text (made visible()), and JSON (exact, as jsonText writes it). */
export interface CliIO extends CliOutput {
  /** One JSON value on stdout (--json, --format json|sarif). */
  json(value: unknown): void;
}
