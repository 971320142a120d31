import { isAbsolute } from 'node:path';
// The analyzer language server (design §1): its own process, so a hostile or huge model can never stall the
// extension host. It owns model analyses and publishes findings: on a model's URI while the model is open in the
// ONNX Pruner editor (the client says so: a binary file is not a text document), and on `*.prune.json` plans as
// they are typed. Quick-fixes are the fixes the core attaches to plan findings. Wiring only: the logic is core's.
import { fileURLToPath } from 'node:url';
import {
  type CancellationToken,
  type CodeAction,
  CodeActionKind,
  CompletionItemKind,
  MarkupKind,
  type Connection,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  type DiagnosticData,
  applyPlanRequest,
  makePlanRequest,
  modelClosed,
  modelOpened,
  modelReloaded,
  modelStateRequest,
  saveModelRequest,
  verifyRequest,
  graphRequest,
  nodeDetailsRequest,
  previewRequest,
  compareRequest,
  compareModelsRequest,
  fidelityRequest,
  sensitivityRequest,
} from '../protocol/server';
import { fidelityFor, sensitivityFor } from './quality';
import { compareFor, compareModelsFor, previewFor } from './prunePanel';
import { graphFor, nodeDetailsFor } from './inspect';
import { modelStateFor, saveModelFor } from './modelState';
import { ModelStates } from './modelStates';
import { verifyFor } from './verify';
import { applyPlan } from './applyPlan';
import { prewarmPruneWorker } from './pruneInWorker';
import { workDone } from './workDone';
import { makePlanFor } from './makePlan';
import { completeLayers, hoverLayer, parsePlan } from '../core/plan';
import { modelFindings, planAnalysis, planFindings, planModelPath } from './findings';
import { ModelCache } from './modelCache';

/** Pause after the last keystroke before a plan is checked again. */
const PLAN_DEBOUNCE_MS = 250;

export function startServer(connection: Connection): void {
  const documents = new TextDocuments(TextDocument);
  const models = new ModelCache();
  const states = new ModelStates(); // the editor's documents: their edits, materialised
  const openModels = new Set<string>(); // model URIs open in the editor
  const timers = new Map<string, NodeJS.Timeout>();

  const isPlan = (uri: string) => uri.endsWith('.prune.json');

  const publishModel = (uri: string) => {
    const diagnostics = modelFindings(states.pathOf(uri), models, fileURLToPath(uri));
    void connection.sendDiagnostics({ uri, diagnostics });
  };

  const publishPlan = (document: TextDocument) => {
    timers.delete(document.uri);
    try {
      const diagnostics = planFindings(document.uri, document.getText(), models);
      void connection.sendDiagnostics({ uri: document.uri, version: document.version, diagnostics });
    } catch (error) {
      connection.console.error(`checking ${document.uri} failed: ${(error as Error).stack ?? error}`);
    }
  };

  const schedulePlan = (document: TextDocument, delay = PLAN_DEBOUNCE_MS) => {
    clearTimeout(timers.get(document.uri));
    timers.set(
      document.uri,
      setTimeout(() => publishPlan(document), delay),
    );
  };

  /** Where latency lookup tables are cached: the extension's global storage, passed at initialisation. */
  let latencyCacheDir: string | undefined;
  connection.onInitialize((params) => {
    latencyCacheDir = cacheDirOf(params.initializationOptions);
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        completionProvider: { triggerCharacters: ['"'] },
        hoverProvider: true,
      },
      serverInfo: { name: 'ONNX Pruner analyzer' },
    };
  });

  documents.onDidOpen(({ document }) => {
    if (!isPlan(document.uri)) return;
    schedulePlan(document, 0);
    prewarmPruneWorker(); // the pruning panel previews the plan next
  });
  documents.onDidChangeContent(({ document }) => isPlan(document.uri) && schedulePlan(document));
  documents.onDidClose(({ document }) => {
    if (!isPlan(document.uri)) return;
    clearTimeout(timers.get(document.uri));
    timers.delete(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  });

  connection.onNotification(modelOpened, ({ uri }) => {
    openModels.add(uri);
    publishModel(uri);
  });
  connection.onNotification(modelClosed, ({ uri }) => {
    openModels.delete(uri);
    models.forget(fileURLToPath(uri));
    states.forget(uri);
    models.sweep(); // the analyses of its edits' files, which forget removed
    void connection.sendDiagnostics({ uri, diagnostics: [] });
  });
  connection.onNotification(modelReloaded, ({ uri }) => {
    states.forget(uri);
    models.sweep();
    if (openModels.has(uri)) publishModel(uri);
  });

  // A model changed on disk: its findings, and those of the open plans that point at it, are stale.
  connection.onDidChangeWatchedFiles(({ changes }) => {
    for (const { uri } of changes) {
      if (!uri.endsWith('.onnx')) continue;
      const path = fileURLToPath(uri);
      models.forget(path);
      if (openModels.has(uri)) publishModel(uri);
      for (const plan of documents.all()) {
        if (
          isPlan(plan.uri) &&
          planModelPath(fileURLToPath(plan.uri), parsePlan(plan.getText()).partial.model) === path
        )
          schedulePlan(plan, 0);
      }
    }
  });

  connection.onCodeAction(({ textDocument, context }) => {
    const actions: CodeAction[] = [];
    for (const diagnostic of context.diagnostics) {
      const data = diagnostic.data as DiagnosticData | undefined;
      for (const [i, fix] of (data?.fixes ?? []).entries()) {
        actions.push({
          title: fix.title,
          kind: CodeActionKind.QuickFix,
          diagnostics: [diagnostic],
          isPreferred: i === 0,
          edit: { changes: { [textDocument.uri]: fix.edits } },
        });
      }
    }
    return actions;
  });

  // Layer names in plans: completion and hover (keys and values come from the JSON schema).
  connection.onCompletion(({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document || !isPlan(document.uri)) return [];
    const text = document.getText();
    const analysis = planAnalysis(document.uri, text, models);
    if (!analysis) return [];
    return completeLayers(text, document.offsetAt(position), analysis.roots).map((item, i) => ({
      label: item.label,
      kind: CompletionItemKind.Field,
      detail: item.detail,
      sortText: String(i).padStart(5, '0'),
      textEdit: { range: item.range, newText: item.insertText },
    }));
  });

  connection.onHover(({ textDocument, position }) => {
    const document = documents.get(textDocument.uri);
    if (!document || !isPlan(document.uri)) return null;
    const text = document.getText();
    const analysis = planAnalysis(document.uri, text, models);
    if (!analysis) return null;
    const hover = hoverLayer(text, document.offsetAt(position), analysis.roots, analysis.report.groups);
    return hover
      ? { contents: { kind: MarkupKind.Markdown, value: hover.markdown }, range: hover.range }
      : null;
  });

  connection.onRequest(makePlanRequest, (params, token) =>
    makePlanFor(params, signalOf(token), latencyCacheDir),
  );
  connection.onRequest(verifyRequest, (params) => verifyFor(params));
  connection.onRequest(applyPlanRequest, async (params, token) => {
    const progress = workDone(connection, params.workDoneToken);
    try {
      return await applyPlan(params, signalOf(token), progress, latencyCacheDir);
    } finally {
      progress.end();
    }
  });
  connection.onRequest(modelStateRequest, async (params, token) => {
    const progress = workDone(connection, params.workDoneToken);
    try {
      const result = await modelStateFor(params, states, models, signalOf(token), progress);
      if (result.ok && openModels.has(params.uri)) publishModel(params.uri);
      // The model is in the editor: a preview or a prune of it may come next.
      if (result.ok) prewarmPruneWorker();
      return result;
    } finally {
      progress.end();
    }
  });
  connection.onRequest(saveModelRequest, (params, token) => saveModelFor(params, states, signalOf(token)));
  connection.onRequest(graphRequest, (params) => graphFor(params, states, models));
  connection.onRequest(nodeDetailsRequest, (params) => nodeDetailsFor(params, states, models));
  connection.onRequest(previewRequest, (params, token) => previewFor(params, states, signalOf(token)));
  connection.onRequest(compareRequest, (params) => compareFor(params, states, models));
  connection.onRequest(compareModelsRequest, (params) => compareModelsFor(params, models));
  connection.onRequest(sensitivityRequest, async (params, token) => {
    const progress = workDone(connection, params.workDoneToken);
    try {
      return await sensitivityFor(params, states, signalOf(token), progress);
    } finally {
      progress.end();
    }
  });
  connection.onRequest(fidelityRequest, async (params, token) => {
    const progress = workDone(connection, params.workDoneToken);
    try {
      return await fidelityFor(params, states, signalOf(token), progress);
    } finally {
      progress.end();
    }
  });
  connection.onShutdown(() => states.dispose());
  process.on('exit', () => states.dispose());

  documents.listen(connection);
  connection.listen();
}

function signalOf(token: CancellationToken): AbortSignal {
  const controller = new AbortController();
  // A request cancelled before its handler ran is cancelled already: the event would come a tick later.
  if (token.isCancellationRequested) controller.abort();
  token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

// Started by the language client over IPC, or by hand / in tests with --stdio.
if (require.main === module) startServer(createConnection(ProposedFeatures.all));

/** The cache folder the extension names (an absolute path), or none. */
function cacheDirOf(options: unknown): string | undefined {
  const dir = (options as { latencyCacheDir?: unknown } | null | undefined)?.latencyCacheDir;
  return typeof dir === 'string' && isAbsolute(dir) ? dir : undefined;
}
