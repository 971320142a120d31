// A timer as a promise: the harness and the suites poll the workbench, the server's output and /proc with it.
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
