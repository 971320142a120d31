// Where latency lookup tables are kept between runs (issue 15 §2): one small JSON file per model, machine, ONNX
// Runtime version and thread count, in the CLI's cache folder (--cache-dir, else $XDG_CACHE_HOME/onnx-pruner,
// else ~/.cache/onnx-pruner) or the extension's global storage. A file's name is the hash of its key, never
// anything the model names; writes are atomic; the folder is kept under a size bound (oldest files go first).
// A table read back is checked field by field: a cache file is input like any other.
import { readFileSync, readdirSync, statSync, unlinkSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { availableParallelism, cpus, homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../core/onnx/atomicFile';
import type { LatencyEntry, LatencyTable } from '../core/prune/latencyTable';
import { detectChannelBlock, osFlags } from './channelBlock';

/**
 * Bumped when what a table holds, or how it is measured, changes: older files are then never read. 4: timed by
 * sessions that do not spin (sessionOptions.ts).
 */
const TABLE_FORMAT = 4;
/** The folder holds at most this many bytes of tables; past it the least recently written go. */
const MAX_CACHE_BYTES = 16 << 20;
/** A table file larger than this is not ours (a model's table is some kilobytes). */
const MAX_TABLE_BYTES = 1 << 20;
const FILE_NAME = /^latency-[0-9a-f]{64}\.json$/;

/** What a table's timings depend on besides the model. */
export interface MachineFacts {
  platform: string;
  arch: string;
  cpu: string;
  cores: number;
  /** CPU feature flags, sorted (what ONNX Runtime's kernels are chosen by). */
  flags: string[];
  /** The channel block the prune aligns to (channelBlock.ts). */
  block: number;
}

export interface CacheKeyParts {
  /** SHA-256 of the model file. */
  model: string;
  machine: MachineFacts;
  ortVersion: string;
  /** ONNX Runtime's intra-op threads. */
  threads: number;
  /** What decides the widths measured: the channel step asked for and the block (`roundTo/block`). */
  grain: string;
}

/** This machine's facts. */
export function machineFacts(): MachineFacts {
  return {
    platform: process.platform,
    arch: process.arch,
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    flags: [...(osFlags() ?? [])].sort(),
    block: detectChannelBlock().block,
  };
}

/** The cache key: a hash of everything a table's timings depend on (any change gives another file). */
export function latencyCacheKey(parts: CacheKeyParts): string {
  const m = parts.machine;
  const text = JSON.stringify([
    TABLE_FORMAT,
    parts.model,
    m.platform,
    m.arch,
    m.cpu,
    m.cores,
    m.flags,
    m.block,
    parts.ortVersion,
    parts.threads,
    parts.grain,
  ]);
  return createHash('sha256').update(text).digest('hex');
}

/** The CLI's cache folder: the one given, else $XDG_CACHE_HOME/onnx-pruner, else ~/.cache/onnx-pruner. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  // The XDG spec: a relative path there is invalid and must be ignored.
  const base = xdg && xdg.startsWith('/') ? xdg : join(homedir(), '.cache');
  return join(base, 'onnx-pruner');
}

function fileOf(dir: string, key: string): string {
  return join(dir, `latency-${key}.json`);
}

/** The table kept under `key`, if there is one and it reads as a table. */
export function readCachedTable(dir: string, key: string): LatencyTable | undefined {
  let text: string;
  try {
    const path = fileOf(dir, key);
    if (statSync(path).size > MAX_TABLE_BYTES) return undefined;
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as { key?: unknown; entries?: unknown };
    if (parsed.key !== key || !Array.isArray(parsed.entries)) return undefined;
    const entries = parsed.entries.filter(isEntry);
    return entries.length === parsed.entries.length ? { entries } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Keeps a table under `key` (atomically), then trims the folder to its bound. A cache that cannot be written
 * (read-only home, full disk) costs a re-measurement next time, nothing else: failures are swallowed.
 */
export function writeCachedTable(dir: string, key: string, table: LatencyTable): void {
  try {
    mkdirSync(dir, { recursive: true });
    writeFileAtomic(fileOf(dir, key), `${JSON.stringify({ key, entries: table.entries })}\n`);
    trimCache(dir);
  } catch {
    // See above: the cache is an optimisation.
  }
}

/** Removes the least recently written tables until the folder's tables fit MAX_CACHE_BYTES. */
export function trimCache(dir: string, maxBytes = MAX_CACHE_BYTES): void {
  const files = readdirSync(dir)
    .filter((name) => FILE_NAME.test(name))
    .map((name) => {
      const stat = statSync(join(dir, name));
      return { path: join(dir, name), size: stat.size, time: stat.mtimeMs };
    })
    .sort((a, b) => b.time - a.time);
  let total = 0;
  for (const file of files) {
    total += file.size;
    if (total > maxBytes) unlinkSync(file.path);
  }
}

function isEntry(value: unknown): value is LatencyEntry {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  const numbers = (list: unknown) =>
    Array.isArray(list) &&
    list.length > 0 &&
    list.length <= 64 &&
    list.every((n) => Number.isFinite(n) && n >= 0);
  return (
    typeof e.root === 'string' &&
    Number.isSafeInteger(e.channels) &&
    numbers(e.widths) &&
    numbers(e.ms) &&
    (e.widths as number[]).length === (e.ms as number[]).length &&
    (e.widths as number[]).every((w, i, all) => Number.isSafeInteger(w) && (i === 0 || w > all[i - 1])) &&
    (e.widths as number[]).at(-1) === e.channels
  );
}
