// The latency lookup table's cache (latencyCache.ts): the key changes with everything a table's timings depend
// on (the model, the machine, the runtime's version, its threads, the widths' grain); file names are the key's
// hash; what is read back is checked; the folder stays under its bound.
import assert from 'node:assert/strict';
import { readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import {
  type CacheKeyParts,
  defaultCacheDir,
  latencyCacheKey,
  machineFacts,
  readCachedTable,
  trimCache,
  writeCachedTable,
} from '../../src/runtime/latencyCache';
import { tempDir } from '../support/tempDir';

const PARTS: CacheKeyParts = {
  model: 'a'.repeat(64),
  machine: { platform: 'linux', arch: 'x64', cpu: 'AMD EPYC', cores: 2, flags: ['avx', 'avx2'], block: 8 },
  ortVersion: '1.20.1',
  threads: 2,
  grain: '1/8',
};
const TABLE = { entries: [{ root: '/conv1', channels: 32, widths: [16, 32], ms: [0.5, 0.9] }] };

describe('the cache key', () => {
  test('changes with the machine, the runtime version and the threads; not otherwise', () => {
    const key = latencyCacheKey(PARTS);
    assert.match(key, /^[0-9a-f]{64}$/);
    assert.equal(latencyCacheKey({ ...PARTS, machine: { ...PARTS.machine } }), key, 'deterministic');
    const variants: CacheKeyParts[] = [
      { ...PARTS, model: 'b'.repeat(64) },
      { ...PARTS, ortVersion: '1.21.0' },
      { ...PARTS, threads: 4 },
      { ...PARTS, grain: '4/8' },
      { ...PARTS, machine: { ...PARTS.machine, cpu: 'Intel Xeon' } },
      { ...PARTS, machine: { ...PARTS.machine, cores: 8 } },
      { ...PARTS, machine: { ...PARTS.machine, flags: ['avx', 'avx2', 'avx512f'] } },
      { ...PARTS, machine: { ...PARTS.machine, block: 16 } },
      { ...PARTS, machine: { ...PARTS.machine, arch: 'arm64' } },
      { ...PARTS, machine: { ...PARTS.machine, platform: 'darwin' } },
    ];
    const keys = new Set(variants.map(latencyCacheKey));
    assert.equal(keys.size, variants.length);
    assert.ok(!keys.has(key));
  });

  test('this machine’s facts', () => {
    const facts = machineFacts();
    assert.ok(facts.cores >= 1 && facts.cpu.length > 0 && [1, 8, 16].includes(facts.block));
    assert.deepEqual(facts.flags, [...facts.flags].sort());
  });
});

describe('the cache folder', () => {
  test('XDG_CACHE_HOME when absolute, else ~/.cache', () => {
    assert.equal(defaultCacheDir({ XDG_CACHE_HOME: '/var/cache/me' }), '/var/cache/me/onnx-pruner');
    assert.match(defaultCacheDir({ XDG_CACHE_HOME: 'relative' }), /\.cache\/onnx-pruner$/);
    assert.match(defaultCacheDir({}), /\.cache\/onnx-pruner$/);
  });

  test('a table written is read back under its key only; the file is named by the hash', () => {
    const dir = join(tempDir(), 'made', 'here');
    const key = latencyCacheKey(PARTS);
    writeCachedTable(dir, key, TABLE);
    assert.deepEqual(readdirSync(dir), [`latency-${key}.json`]);
    assert.deepEqual(readCachedTable(dir, key), TABLE);
    assert.equal(readCachedTable(dir, latencyCacheKey({ ...PARTS, threads: 3 })), undefined);
  });

  test('a damaged or foreign file reads as no table', () => {
    const dir = tempDir();
    const key = latencyCacheKey(PARTS);
    const path = join(dir, `latency-${key}.json`);
    const bad = [
      'not json',
      JSON.stringify({ key: 'other', entries: TABLE.entries }),
      JSON.stringify({ key, entries: [{ ...TABLE.entries[0], ms: [0.5] }] }),
      JSON.stringify({ key, entries: [{ ...TABLE.entries[0], widths: [32, 16] }] }),
      JSON.stringify({ key, entries: [{ ...TABLE.entries[0], ms: [-1, 2] }] }),
      JSON.stringify({ key, entries: [{ ...TABLE.entries[0], channels: 64 }] }),
      JSON.stringify({ key, entries: [{ ...TABLE.entries[0], root: 7 }] }),
    ];
    for (const text of bad) {
      writeFileSync(path, text);
      assert.equal(readCachedTable(dir, key), undefined, text);
    }
  });

  test('the folder is trimmed to its bound, oldest first; other files are left alone', () => {
    const dir = tempDir();
    const keys = ['1', '2', '3'].map((n) => latencyCacheKey({ ...PARTS, threads: Number(n) }));
    keys.forEach((key, i) => {
      writeCachedTable(dir, key, TABLE);
      const when = new Date(Date.UTC(2026, 0, 1 + i));
      utimesSync(join(dir, `latency-${key}.json`), when, when);
    });
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const size = statSync(join(dir, `latency-${keys[0]}.json`)).size;
    trimCache(dir, size * 2);
    assert.deepEqual(
      readdirSync(dir).sort(),
      [`latency-${keys[1]}.json`, `latency-${keys[2]}.json`, 'notes.txt'].sort(),
    );
  });
});
