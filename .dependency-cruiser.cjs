// The layering of ARCHITECTURE.md, checked on every `npm test` (npm run deps): a pure core, thin shells around
// it, a webview that shares only types with the rest, and no import cycles.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'An import cycle: the files (or folders) depend on each other; split out what both need.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'core-is-pure',
      severity: 'error',
      comment:
        'src/core runs in the CLI, the language server, its worker and the webview: no VS Code, no ONNX Runtime, no processes or threads, and none of the shells around it.',
      from: { path: '^src/core/' },
      to: {
        path: [
          '^src/(runtime|server|extension|cli)/',
          '^webview/',
          '(^|/)node_modules/(vscode|onnxruntime-node|vscode-languageserver|vscode-languageclient)/',
          '^(node:)?(child_process|worker_threads|cluster)$',
        ],
      },
    },
    {
      name: 'core-has-no-wire-protocols',
      severity: 'error',
      comment: 'Wire protocols (src/protocol) are for the shells; the core knows no transport.',
      from: { path: '^src/core/' },
      to: { path: '^src/protocol/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'webview-shares-only-types',
      severity: 'error',
      comment: 'The page imports src/ only as `import type`: its code is bundled for the browser on its own.',
      from: { path: '^webview/' },
      to: { path: '^src/', pathNot: '^src/shared/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'extension-runs-no-webview-code',
      severity: 'error',
      comment: 'The extension host renders the page but never runs the page’s code.',
      from: { path: '^src/extension/' },
      to: { path: '^webview/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'ort-worker-reads-no-models',
      severity: 'error',
      comment:
        'The ONNX Runtime worker process runs and times models; ONNX Runtime reads them. The model reader (and protobufjs) in its bundle made it 25 times larger and its paired timings a few per cent worse.',
      from: { path: '^src/runtime/ortWorker\\.ts$' },
      to: { path: ['^src/core/onnx/reader\\.ts$', '(^|/)node_modules/protobufjs/'], reachable: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(out|dist|node_modules)/|\\.d\\.ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default'],
    },
  },
};
