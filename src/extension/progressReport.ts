import type * as vscode from 'vscode';
import type { ProgressListener } from './analyzerClient';

/**
 * A listener that moves a VS Code progress notification: its message, and its bar by the percentage the
 * server reports (VS Code takes increments, the server sends where it is).
 */
export function progressReport(
  progress: vscode.Progress<{ message?: string; increment?: number }>,
): ProgressListener {
  let at = 0;
  return (message, percentage) => {
    const increment = percentage === undefined ? undefined : Math.max(0, percentage - at);
    if (percentage !== undefined) at = Math.max(at, percentage);
    progress.report({ message, increment });
  };
}
