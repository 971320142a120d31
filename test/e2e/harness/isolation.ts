// What keeps a run to itself and on 127.0.0.1: HTTP(S) proxies and the extension gallery point at 127.0.0.1:9
// (discard; nothing listens there), telemetry and update checks are off, HOME and the XDG dirs are the run's
// own, and every process carries the run's marker in its environment.
import { dirname, join } from 'node:path';

/** Where nothing listens: every proxy and the gallery point here, so outbound requests fail at once. */
export const BLACKHOLE = 'http://127.0.0.1:9';
/** The environment variable whose value marks every process a run starts. */
export const RUN_MARKER = 'ONNX_PRUNER_E2E_RUN';

/** The user settings of a run, before the options' own. */
export const DEFAULT_SETTINGS: Record<string, unknown> = {
  // VS Code in a browser saves after a second by default; desktop VS Code, which the suites stand for, does not.
  'files.autoSave': 'off',
  'workbench.editor.enablePreview': false,
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'workbench.secondarySideBar.defaultVisibility': 'hidden',
  'security.workspace.trust.enabled': false,
  'http.proxy': BLACKHOLE,
  'http.proxySupport': 'override',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'json.schemaDownload.enable': false,
  'npm.fetchOnlinePackageInfo': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'chat.disableAIFeatures': true,
  'git.enabled': false,
  'git.autofetch': false,
};

/** The environment of code-server and everything it starts: `node` first on the PATH, `home` as HOME. */
export function isolatedEnv(node: string, home: string, runId: string): NodeJS.ProcessEnv {
  const gallery = JSON.stringify({
    serviceUrl: `${BLACKHOLE}/gallery`,
    itemUrl: `${BLACKHOLE}/item`,
    extensionUrlTemplate: `${BLACKHOLE}/gallery/{publisher}/{name}/latest`,
    resourceUrlTemplate: `${BLACKHOLE}/asset/{publisher}/{name}/{version}/{path}`,
    controlUrl: '',
    recommendationsUrl: '',
  });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${dirname(node)}:${process.env.PATH ?? '/usr/bin:/bin'}`,
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local/share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    HTTP_PROXY: BLACKHOLE,
    HTTPS_PROXY: BLACKHOLE,
    http_proxy: BLACKHOLE,
    https_proxy: BLACKHOLE,
    NO_PROXY: '127.0.0.1,localhost',
    no_proxy: '127.0.0.1,localhost',
    EXTENSIONS_GALLERY: gallery,
    CS_DISABLE_GETTING_STARTED_OVERRIDE: '1',
    [RUN_MARKER]: runId,
  };
  // Not ours to pass on: the test runner's and the debugger's settings for this process.
  for (const name of ['NODE_TEST_CONTEXT', 'NODE_OPTIONS', 'NODE_CHANNEL_FD', 'VSCODE_IPC_HOOK_CLI'])
    delete env[name];
  return env;
}
