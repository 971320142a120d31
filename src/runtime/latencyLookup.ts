// Builds a model's latency lookup table (core/prune/latencyTable.ts) by timing each prunable group's
// convolutions in ONNX Runtime at its candidate kept widths (core/prune/latencyProbe.ts builds the probe models),
// or reads it from the cache (latencyCache.ts) when this model was measured on this machine, with this runtime
// and thread count, before. The probes of one group are timed together, paired (they alternate run by run), so
// a machine slowed by other work slows every width alike.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Analysis, analyzeModel } from '../core/analyze/analyze';
import { withModelErrors } from '../core/onnx/errors';
import { ModelView } from '../core/onnx/modelView';
import { openModel } from '../core/onnx/reader';
import type { ModelFile } from '../core/onnx/modelFile';
import { sha256Of } from '../core/onnx/hash';
import { factsWithInputShapes } from '../core/metrics/metrics';
import { GroupTable } from '../core/prune/groupTable';
import { type ProbeConv, convsByName, probeConvs, probeModel } from '../core/prune/latencyProbe';
import {
  type LatencyEntry,
  type LatencyTable,
  candidateWidths,
  latencyModel,
  lcm,
} from '../core/prune/latencyTable';
import type { PruneSettings } from '../core/prune/select';
import { type LoadedModel, OrtClient, type Stash } from './ortClient';
import { feedSpecs } from './randomFeeds';
import { latencyCacheKey, machineFacts, readCachedTable, writeCachedTable } from './latencyCache';
import {
  BLOCK_PROBE_CHANNELS,
  blockNeedsMeasuring,
  blockOfTimings,
  detectChannelBlock,
  measuredAlignment,
} from './channelBlock';
import type { ChannelAlignment } from '../core/prune/align';
import { toLong } from '../core/onnx/int64';
import { onnx } from '../core/onnx/proto/onnx.js';
import { smallest } from '../core/lists';

/** What building a table did: a typed account (the tests count measurements with it, never time). */
export interface LatencyTableStats {
  /** The cache file's key. */
  key: string;
  /** Read from the cache (no measurement made). */
  cached: boolean;
  /** Groups timed, and probe models timed over all of them (0 when cached). */
  groupsMeasured: number;
  probesMeasured: number;
  /** Convolutions left untimed because their input shapes are not static (symbolic dims no one sized). */
  unshaped: number;
}

export interface LatencyLookupOptions {
  /** Where tables are cached; none = always measure, keep nothing. */
  cacheDir?: string;
  /** Timed runs per probe (after 2 untimed). Default 5. */
  runs?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Hears of each group timed: its index among the groups to time, their count. */
  onGroup?: (done: number, total: number) => void;
  /**
   * Concrete shapes of graph inputs with symbolic dims (the sizes the user gave them): the layers are timed at
   * those sizes, and the table is cached for them.
   */
  inputShapes?: Record<string, number[]>;
}

/**
 * The table for a model as `settings` would prune it (its channel step and block decide the widths). Where the
 * machine's block was only assumed (not x86, and the settings carry the assumed one), it is measured first (and
 * cached): `alignment` is then the measured block, to prune with.
 */
export async function latencyTableFor(
  client: OrtClient,
  file: ModelFile,
  analysis: Analysis,
  settings: PruneSettings,
  options: LatencyLookupOptions = {},
): Promise<{ table: LatencyTable; stats: LatencyTableStats; alignment?: ChannelAlignment }> {
  // The worker's version is known once it has started.
  const ortVersion = client.ortVersion ?? (await startedVersion(client));
  const machine = machineFacts();
  const threads = availableParallelism();
  let alignment = settings.alignment;
  if (blockNeedsMeasuring() && settings.alignment === detectChannelBlock()) {
    const probeKey = latencyCacheKey({
      model: 'channel-block',
      machine,
      ortVersion,
      threads,
      grain: 'probe',
    });
    const cachedProbe =
      options.cacheDir === undefined ? undefined : readCachedTable(options.cacheDir, probeKey);
    const probe = cachedProbe ?? (await measureBlockProbe(client, options));
    if (!cachedProbe && options.cacheDir !== undefined) writeCachedTable(options.cacheDir, probeKey, probe);
    const entry = probe.entries[0];
    alignment = measuredAlignment(blockOfTimings(entry.widths, entry.ms));
  }
  const block = alignment?.block ?? 1;
  const key = latencyCacheKey({
    model: options.inputShapes
      ? `${sha256Of(file.source)} ${JSON.stringify(Object.entries(options.inputShapes).sort())}`
      : sha256Of(file.source),
    machine,
    ortVersion,
    threads,
    grain: `${settings.roundTo}/${block}`,
  });
  const measured = alignment !== settings.alignment ? { alignment } : {};
  const cached = options.cacheDir === undefined ? undefined : readCachedTable(options.cacheDir, key);
  if (cached)
    return {
      table: cached,
      stats: { key, cached: true, groupsMeasured: 0, probesMeasured: 0, unshaped: 0 },
      ...measured,
    };
  const table = await measureTable(client, analysis, settings.roundTo, block, options);
  // A table with layers left untimed for their shapes is not kept: read back, it could not say why they are
  // missing, and a run that sizes the symbolic dims has a key of its own anyway.
  if (options.cacheDir !== undefined && table.counts.unshaped === 0)
    writeCachedTable(options.cacheDir, key, table.table);
  return { table: table.table, stats: { key, cached: false, ...table.counts }, ...measured };
}

/** The channel block this machine's ONNX Runtime shows when timed (see blockOfTimings), uncached. */
export async function measureChannelBlock(
  client: OrtClient,
  options: LatencyLookupOptions = {},
): Promise<number> {
  const entry = (await measureBlockProbe(client, options)).entries[0];
  return blockOfTimings(entry.widths, entry.ms);
}

/** One 3×3 conv at 48…64 channels in and out, 28×28: the timings a measured block is read from. */
async function measureBlockProbe(client: OrtClient, options: LatencyLookupOptions): Promise<LatencyTable> {
  const ints = (values: number[]) => values.map((v) => toLong(v));
  const conv: ProbeConv = {
    input: [1, 64, 28, 28],
    weight: [64, 64, 3, 3],
    group: 1,
    bias: false,
    scalesOut: true,
    scalesIn: true,
    attributes: [
      { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: ints([3, 3]) },
      { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: ints([1, 1, 1, 1]) },
    ],
  };
  const call = { timeoutMs: options.timeoutMs };
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-probe-'));
  const models: LoadedModel[] = [];
  const feeds: Stash[] = [];
  try {
    for (const c of BLOCK_PROBE_CHANNELS) {
      const path = join(dir, `block-${c}.onnx`);
      writeFileSync(path, probeModel([conv], c, 64)!);
      const model = await client.load(path, call);
      models.push(model);
      feeds.push(await client.makeFeeds(feedSpecs(model.inputs), 1, call));
    }
    const times = await client.time(
      models.map((model, i) => ({ model, feeds: feeds[i] })),
      { runs: options.runs ?? 5, warmup: 2, ...call },
    );
    const ms = times.map((t) => smallest(t));
    return { entries: [{ root: 'channel-block', channels: 64, widths: BLOCK_PROBE_CHANNELS, ms }] };
  } finally {
    await client.drop(feeds);
    for (const model of models) await client.release(model);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `settings` with the model's latency table (measured in a child ONNX Runtime, or read from the cache): a
 * prune with them chooses kept counts no larger count beats (select.ts).
 */
export async function withLatencyTable(
  model: string,
  settings: PruneSettings,
  options: LatencyLookupOptions = {},
): Promise<{ settings: PruneSettings; stats: LatencyTableStats }> {
  const file = openModel(model);
  const client = new OrtClient();
  try {
    const analysis = withModelErrors(model, () => analyzeModel(new ModelView(file)));
    const { table, stats, alignment } = await latencyTableFor(client, file, analysis, settings, options);
    return {
      settings: { ...settings, ...(alignment ? { alignment } : {}), latency: latencyModel(table) },
      stats,
    };
  } finally {
    file.close();
    await client.close();
  }
}

/** One sentence for reports: where the kept counts' lookup table came from. */
export function describeLatencyTable(stats: LatencyTableStats): string {
  if (stats.cached)
    return 'Latency lookup table: read from the cache (this model, machine, ONNX Runtime version and thread count were measured before); kept counts are widths no larger width beats.';
  const timed = `Latency lookup table: ${stats.groupsMeasured} groups timed in ONNX Runtime at their candidate widths (${stats.probesMeasured} probes)`;
  if (stats.unshaped === 0)
    return `${timed}, cached for next time; kept counts are widths no larger width beats.`;
  const one = stats.unshaped === 1;
  return (
    `${timed}; kept counts are widths no larger width beats. ${stats.unshaped} convolution${one ? ' was' : 's were'} ` +
    `not timed (so the table is not cached): ${one ? 'its' : 'their'} input shapes are not static (symbolic input dims, which --dim sizes).`
  );
}

async function startedVersion(client: OrtClient): Promise<string> {
  // A request that makes nothing (random inputs for no input) starts the worker.
  const stash = await client.makeFeeds([], 0);
  await client.drop([stash]);
  return client.ortVersion ?? 'unknown';
}

async function measureTable(
  client: OrtClient,
  analysis: Analysis,
  roundTo: number,
  block: number,
  options: LatencyLookupOptions,
): Promise<{
  table: LatencyTable;
  counts: { groupsMeasured: number; probesMeasured: number; unshaped: number };
}> {
  const runs = options.runs ?? 5;
  const call = { timeoutMs: options.timeoutMs };
  const groupTable = new GroupTable(analysis);
  const convs = convsByName(analysis);
  const groups = analysis.report.groups.filter((g) => g.prunable);
  const entries: LatencyEntry[] = [];
  let probesMeasured = 0;
  const unshaped = new Set<string>();
  const facts = options.inputShapes
    ? factsWithInputShapes(analysis.state.graph.model, options.inputShapes)
    : analysis.state.facts;
  const dir = mkdtempSync(join(tmpdir(), 'onnx-pruner-probe-'));
  try {
    for (let g = 0; g < groups.length; g++) {
      options.signal?.throwIfAborted();
      options.onGroup?.(g, groups.length);
      const group = groups[g];
      const found = probeConvs(analysis, groupTable, group, convs, facts);
      for (const name of found.unshaped) unshaped.add(name);
      const probes = found.probes;
      if (probes.length === 0) continue;
      const step = lcm(analysis.roots.get(group.roots[0])!.unit, roundTo);
      const widths = candidateWidths(group.channels, step, block);
      // One probe model per conv and width: several convs in one session ran several times slower than
      // the sum of their own times (ONNX Runtime 1.20), so each layer is timed alone and the group's time
      // is the sum. A conv that cannot be built at every width (a group count that does not divide) is left out.
      const built = probes
        .map((conv) => widths.map((w) => probeModel([conv], w, group.channels)))
        .filter((perWidth) => perWidth.every((bytes) => bytes !== undefined)) as Uint8Array[][];
      if (built.length === 0) continue;
      const models: LoadedModel[] = [];
      const feeds: Stash[] = [];
      try {
        for (const [c, perWidth] of built.entries()) {
          for (const [i, bytes] of perWidth.entries()) {
            const path = join(dir, `probe-${c}-${i}.onnx`);
            writeFileSync(path, bytes);
            const model = await client.load(path, call);
            models.push(model);
            feeds.push(await client.makeFeeds(feedSpecs(model.inputs), 1, call));
          }
        }
        const jobs = models.map((model, i) => ({ model, feeds: feeds[i] }));
        // The fastest run of each probe: other work on the machine only ever adds time, so the minimum is
        // the layer's own cost. A width slower than a larger one is timed once more before it is believed
        // (a burst of other work can cover all of one width's runs).
        let fastest = (await client.time(jobs, { runs, warmup: 2, ...call })).map((t) => smallest(t));
        const sum = () =>
          widths.map((_, i) => built.reduce((n, _c, c) => n + fastest[c * widths.length + i], 0));
        let ms = sum();
        probesMeasured += jobs.length;
        if (ms.some((t, i) => ms.slice(i + 1).some((later) => later < t))) {
          const again = await client.time(jobs, { runs, warmup: 1, ...call });
          fastest = fastest.map((t, j) => smallest(again[j], t));
          ms = sum();
          probesMeasured += jobs.length;
        }
        entries.push({ root: group.roots[0], channels: group.channels, widths, ms });
      } finally {
        await client.drop(feeds);
        for (const model of models) await client.release(model);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return {
    table: { entries },
    counts: { groupsMeasured: entries.length, probesMeasured, unshaped: unshaped.size },
  };
}
