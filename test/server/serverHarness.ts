// Starts the analyzer language server as VS Code runs it: its own process (a fresh bundle of
// src/server/server.ts), spoken to over LSP on stdio.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  InitializeRequest,
  InitializedNotification,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  PublishDiagnosticsNotification,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
} from 'vscode-languageserver-protocol/node';
import { type SaveModelParams, type SaveModelResult, saveModelRequest } from '../../src/protocol/server';
import { PRUNE_WORKER_PATH_ENV } from '../../src/server/pruneInWorker';
import { bundleForNode } from '../support/nodeBundle';

/**
 * Bundles the server and its prune worker as the build does, under out/ so that their dependencies resolve
 * from the repository.
 */
function buildServer(): { server: string; pruneWorker: string } {
  return {
    server: bundleForTest('src/server/server.ts', 'server'),
    pruneWorker: bundleForTest('src/server/pruneJob.ts', 'pruneJob'),
  };
}

/** A fresh bundle of `entry` (a server or worker entry point) under out/test-server; returns its path. */
export function bundleForTest(entry: string, name: string): string {
  const outDir = join(resolve('.'), 'out', 'test-server');
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `${name}-${process.pid}-${Date.now()}.js`);
  bundleForNode(entry, path);
  return path;
}

/** Saves a model document (Save, or Save As to another target), which must succeed; its result. */
export async function saveModel(
  connection: ProtocolConnection,
  params: SaveModelParams,
): Promise<Extract<SaveModelResult, { ok: true }>> {
  const saved = await connection.sendRequest(saveModelRequest, params);
  assert.ok(saved.ok, saved.ok ? '' : saved.message);
  return saved;
}

export interface TestServer {
  connection: ProtocolConnection;
  child: ChildProcess;
  /** Every diagnostics notification, per URI, in order. */
  published: Map<string, PublishDiagnosticsParams[]>;
  /** The next diagnostics published for a URI (after this call). */
  nextDiagnostics(uri: string): Promise<PublishDiagnosticsParams>;
  stop(): void;
}

export async function startTestServer(
  rootDir: string,
  env: NodeJS.ProcessEnv = process.env,
  /** What the extension passes at initialisation (the latency tables' cache folder). */
  initializationOptions?: object,
  /** The script the server's prune workers run, given the fresh worker bundle (a test's wrapper of it). */
  workerScript: (bundle: string) => string = (bundle) => bundle,
): Promise<TestServer> {
  const { server: serverPath, pruneWorker } = buildServer();
  const child = spawn(process.execPath, [serverPath, '--stdio'], {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...env, [PRUNE_WORKER_PATH_ENV]: workerScript(pruneWorker) },
  });
  const connection = createProtocolConnection(
    new StreamMessageReader(child.stdout!),
    new StreamMessageWriter(child.stdin!),
  );
  const published = new Map<string, PublishDiagnosticsParams[]>();
  const waiters: { uri: string; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  connection.onNotification(PublishDiagnosticsNotification.type, (params) => {
    published.set(params.uri, [...(published.get(params.uri) ?? []), params]);
    for (const [i, w] of waiters.entries()) {
      if (w.uri === params.uri) {
        waiters.splice(i, 1);
        w.resolve(params);
        break;
      }
    }
  });
  connection.listen();
  const result = await connection.sendRequest(InitializeRequest.type, {
    processId: process.pid,
    rootUri: pathToFileURL(rootDir).href,
    capabilities: {},
    workspaceFolders: null,
    initializationOptions,
  });
  assert.ok(result.capabilities.codeActionProvider);
  await connection.sendNotification(InitializedNotification.type, {});
  return {
    connection,
    child,
    published,
    nextDiagnostics: (uri) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no diagnostics for ${uri} within 20 s`)), 20_000);
        waiters.push({
          uri,
          resolve: (p) => {
            clearTimeout(timer);
            resolve(p);
          },
        });
      }),
    stop: () => {
      connection.dispose();
      child.kill();
      rmSync(serverPath, { force: true });
      rmSync(pruneWorker, { force: true });
    },
  };
}
