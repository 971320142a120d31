// The extension the suites test, as VS Code names it: its id (publisher.name) and its log channel's name.
export const EXTENSION_ID = 'onnx-pruner.onnx-pruner';
export const LOG_CHANNEL = 'ONNX Pruner';
