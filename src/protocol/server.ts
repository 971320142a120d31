/**
 * Custom messages between the extension (language client) and the analyzer language server, beyond LSP's own.
 * A binary `.onnx` file is never a text document, so the client tells the server which models are open in the
 * editor; the server then owns their analysis and publishes their findings on the model's URI.
 */
import { NotificationType } from 'vscode-languageserver-protocol';

export interface ModelParams {
  /** The model's `file:` URI. */
  uri: string;
}

/** A model was opened in the ONNX Pruner editor: analyse it and publish its findings. */
export const modelOpened = new NotificationType<ModelParams>('onnxPruner/modelOpened');

/** The last editor of a model closed: forget it and clear its findings. */
export const modelClosed = new NotificationType<ModelParams>('onnxPruner/modelClosed');

/** What the server attaches to a diagnostic (`data`) so a code action can make the fix without asking again. */
export interface DiagnosticData {
  fixes: { title: string; edits: { range: LspRange; newText: string }[] }[];
}

interface LspRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
