import * as vscode from 'vscode';
import { writeFileAtomic } from '../core/onnx/atomicFile';

/**
 * Every file the extension writes (plans, reports, exported images, hot-exit backups) goes through here: a
 * local file through the core's atomic writer (a temporary file renamed into place, so a symbolic link
 * planted at the target in a model's folder is replaced, never written through), other schemes through
 * VS Code's file system.
 */
export async function writeFileSafely(uri: vscode.Uri, data: Uint8Array | string): Promise<void> {
  if (uri.scheme === 'file') {
    writeFileAtomic(uri.fsPath, data);
    return;
  }
  await vscode.workspace.fs.writeFile(uri, typeof data === 'string' ? new TextEncoder().encode(data) : data);
}
