// Starts the analyzer language server (dist/server.js, its own process over IPC) and tells it which models are
// open. The client restarts a crashed server (up to its limit) and we log each start and stop.
import { randomUUID } from 'node:crypto';
import * as vscode from 'vscode';
import { DEFAULT_MAX_GROUPS } from '../core/quality/sensitivityGroups';
import { ORT_TIMEOUT_SECONDS } from '../protocol/runtime';
import {
  type LanguageClientOptions,
  type RequestType,
  LanguageClient,
  RevealOutputChannelOn,
  type ServerOptions,
  State,
  TransportKind,
  WorkDoneProgress,
} from 'vscode-languageclient/node';
import {
  type ApplyPlanParams,
  type ApplyPlanResult,
  applyPlanRequest,
  type MakePlanParams,
  type MakePlanResult,
  makePlanRequest,
  modelClosed,
  modelOpened,
  modelReloaded,
  type ModelStateParams,
  type ModelStateResult,
  modelStateRequest,
  type SaveModelParams,
  type SaveModelResult,
  saveModelRequest,
  type GraphResult,
  graphRequest,
  type NodeDetailsParams,
  type NodeDetailsResult,
  nodeDetailsRequest,
  type CompareModelsParams,
  compareModelsRequest,
  type CompareResult,
  compareRequest,
  type PreviewParams,
  type PreviewResult,
  previewRequest,
  type FidelityParams,
  type FidelityResult,
  type SensitivityParams,
  type SensitivityResult,
  fidelityRequest,
  sensitivityRequest,
  type VerifyParams,
  type VerifyPlanResult,
  verifyRequest,
  type InputDimsSetting,
} from '../protocol/server';

/** Hears how far a long request is: a sentence, and a percentage when known. */
export type ProgressListener = (message: string, percentage: number | undefined) => void;

export class AnalyzerClient implements vscode.Disposable {
  private readonly client: LanguageClient;
  private readonly started: Promise<void>;
  /** Models open in the editor (their `file:` URIs), told again to a restarted server. */
  private readonly openModels = new Set<string>();
  private readonly restartedEmitter = new vscode.EventEmitter<void>();
  /** The server crashed and was started again: editors ask for their state anew. */
  readonly onRestarted = this.restartedEmitter.event;

  constructor(context: vscode.ExtensionContext, log: vscode.LogOutputChannel) {
    const module = vscode.Uri.joinPath(context.extensionUri, 'dist', 'server.js').fsPath;
    const serverOptions: ServerOptions = {
      run: { module, transport: TransportKind.ipc },
      debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6010'] } },
    };
    const clientOptions: LanguageClientOptions = {
      documentSelector: [{ scheme: 'file', pattern: '**/*.prune.json' }],
      synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher('**/*.onnx') },
      outputChannel: log,
      // Latency lookup tables (measured per model and machine) are cached in the extension's global storage.
      initializationOptions: {
        latencyCacheDir: vscode.Uri.joinPath(context.globalStorageUri, 'latency-tables').fsPath,
      },
      // The server's own messages go to our log; failures reach the user as notifications of the command.
      revealOutputChannelOn: RevealOutputChannelOn.Never,
    };
    this.client = new LanguageClient(
      'onnxPruner.analyzer',
      'ONNX Pruner analyzer',
      serverOptions,
      clientOptions,
    );
    let runs = 0;
    this.client.onDidChangeState(({ oldState, newState }) => {
      if (newState === State.Running) {
        log.info(runs++ === 0 ? 'Analyzer started' : 'Analyzer restarted: open models are analysed again');
        // A restarted server knows nothing: tell it the open models again, and let the editors reload.
        if (runs > 1) {
          for (const uri of this.openModels)
            void this.client.sendNotification(modelOpened, { uri }).catch(() => undefined);
          this.restartedEmitter.fire();
        }
      } else if (oldState === State.Running && newState === State.Stopped)
        log.warn('Analyzer stopped (it is restarted automatically after a crash)');
    });
    this.started = this.client.start().catch((error: unknown) => {
      log.error('The analyzer could not start', error);
    });
  }

  /** A model is open in our editor: the server analyses it and publishes its findings. */
  opened(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    this.openModels.add(uri.toString());
    void this.started.then(() => this.client.sendNotification(modelOpened, { uri: uri.toString() }));
  }

  closed(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    this.openModels.delete(uri.toString());
    void this.started.then(() => this.client.sendNotification(modelClosed, { uri: uri.toString() }));
  }

  /** The model's file was reverted or reloaded: the server drops its edited states. */
  reloaded(uri: vscode.Uri): void {
    if (uri.scheme !== 'file') return;
    void this.started.then(() => this.client.sendNotification(modelReloaded, { uri: uri.toString() }));
  }

  /**
   * The model with these edits: summary, groups, findings (the server materialises and analyses it). A prune
   * it needs reports to `onProgress`.
   */
  async modelState(
    params: ModelStateParams,
    token?: vscode.CancellationToken,
    onProgress?: ProgressListener,
  ): Promise<ModelStateResult> {
    return this.withProgress(onProgress, (workDoneToken) =>
      this.request(modelStateRequest, { ...params, ...verifySettings(), workDoneToken }, token),
    );
  }

  /** The graph skeleton of the model with these edits, for the inspector. */
  async graph(params: ModelStateParams): Promise<GraphResult> {
    return this.request(graphRequest, params);
  }

  async nodeDetails(params: NodeDetailsParams): Promise<NodeDetailsResult> {
    return this.request(nodeDetailsRequest, params);
  }

  /** A plan's selection previewed on the document's current state. */
  async preview(params: PreviewParams, token?: vscode.CancellationToken): Promise<PreviewResult> {
    return this.request(previewRequest, params, token);
  }

  /** The document now against the model as opened. */
  async compare(params: ModelStateParams): Promise<CompareResult> {
    return this.request(compareRequest, params);
  }

  /** Any two model files, layer by layer. */
  async compareModels(params: CompareModelsParams): Promise<CompareResult> {
    return this.request(compareModelsRequest, params);
  }

  /** The sensitivity of the document's current state (ONNX Runtime in a child of the server); cancellable. */
  async sensitivity(
    params: SensitivityParams,
    token: vscode.CancellationToken,
    onProgress?: ProgressListener,
  ): Promise<SensitivityResult> {
    return this.withProgress(onProgress, (workDoneToken) =>
      this.request(
        sensitivityRequest,
        {
          ...params,
          ...verifySettings(),
          maxGroups: vscode.workspace
            .getConfiguration('onnxPruner')
            .get<number>('sensitivity.maxGroups', DEFAULT_MAX_GROUPS),
          workDoneToken,
        },
        token,
      ),
    );
  }

  /** The document now against the model as opened, in ONNX Runtime; cancellable. */
  async fidelity(
    params: FidelityParams,
    token: vscode.CancellationToken,
    onProgress?: ProgressListener,
  ): Promise<FidelityResult> {
    return this.withProgress(onProgress, (workDoneToken) =>
      this.request(fidelityRequest, { ...params, ...verifySettings(), workDoneToken }, token),
    );
  }

  /** Writes the model with its edits to the target, atomically (the server streams it through the writer). */
  async saveModel(params: SaveModelParams, token: vscode.CancellationToken): Promise<SaveModelResult> {
    return this.request(saveModelRequest, params, token);
  }

  /** Asks the server for a plan; cancelling the token cancels the request. */
  async makePlan(params: MakePlanParams, token: vscode.CancellationToken): Promise<MakePlanResult> {
    return this.request(makePlanRequest, { ...params, timeoutSeconds: verifyTimeoutSeconds() }, token);
  }

  /** Asks the server to prune a plan's model and verify it; cancelling the token cancels the request. */
  async applyPlan(
    params: ApplyPlanParams,
    token: vscode.CancellationToken,
    onProgress?: ProgressListener,
  ): Promise<ApplyPlanResult> {
    return this.withProgress(onProgress, (workDoneToken) =>
      this.request(applyPlanRequest, { ...params, ...verifySettings(), workDoneToken }, token),
    );
  }

  async verify(params: VerifyParams, token: vscode.CancellationToken): Promise<VerifyPlanResult> {
    return this.request(verifyRequest, { ...params, ...verifySettings() }, token);
  }

  /** Runs a request with a work-done token whose $/progress reports reach `onProgress` (none without one). */
  private async withProgress<R>(
    onProgress: ProgressListener | undefined,
    send: (workDoneToken: string | undefined) => Promise<R>,
  ): Promise<R> {
    if (!onProgress) return send(undefined);
    await this.started;
    const workDoneToken = randomUUID();
    const listening = this.client.onProgress(WorkDoneProgress.type, workDoneToken, (value) => {
      if (value.kind !== 'end') onProgress(value.message ?? '', value.percentage);
    });
    try {
      return await send(workDoneToken);
    } finally {
      listening.dispose();
    }
  }

  /** A request to the server, once it has started; cancelling the token cancels it. */
  private async request<P, R>(
    type: RequestType<P, R, void>,
    params: P,
    token?: vscode.CancellationToken,
  ): Promise<R> {
    await this.started;
    return this.client.sendRequest(type, params, token);
  }

  dispose(): Promise<void> {
    return this.client.stop();
  }
}

/** The one time limit of an ONNX Runtime step in the editor (setting onnxPruner.verify.timeoutSeconds). */
/** The verification's settings every request that verifies carries. */
function verifySettings(): { timeoutSeconds: number; inputDims: InputDimsSetting } {
  return {
    timeoutSeconds: verifyTimeoutSeconds(),
    inputDims: vscode.workspace.getConfiguration('onnxPruner').get<InputDimsSetting>('verify.inputDims', {}),
  };
}

function verifyTimeoutSeconds(): number {
  return vscode.workspace
    .getConfiguration('onnxPruner')
    .get<number>('verify.timeoutSeconds', ORT_TIMEOUT_SECONDS);
}
