import { readFileSync, statSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { FIXTURE_NAMES, buildFixture } from '../builder/fixtures';
import { CORPUS, corpusModels } from '../support/corpus';
import { parseMessage } from './wire';

/** A valid model the fuzzer mutates, with the external data files it needs beside it. */
export interface Seed {
  name: string;
  bytes: Uint8Array;
  files: Readonly<Record<string, Uint8Array>>;
}

const SAMPLE = resolve('media/sample/edsr-x4.onnx');

/** The builder fixtures and the bundled sample: always present, so a seed and case number always rebuild a case. */
export function builtinSeeds(): Seed[] {
  return [
    ...FIXTURE_NAMES.map((name) => {
      const built = buildFixture(name);
      return { name: `fixture:${name}`, bytes: built.bytes, files: built.files };
    }),
    { name: 'sample:edsr-x4', bytes: readFileSync(SAMPLE), files: {} },
  ];
}

/**
 * The real models of ../shared/corpus up to `maxBytes` each (none when the folder is absent). Models with
 * external data are left out (their data files would have to travel with every case), as are files the
 * fuzzer's own wire parser cannot read.
 */
function corpusSeeds(maxBytes: number): Seed[] {
  const seeds: Seed[] = [];
  for (const path of corpusModels()) {
    if (statSync(path).size > maxBytes) continue;
    const bytes = readFileSync(path);
    try {
      parseMessage(bytes, 'Model');
    } catch {
      continue;
    }
    if (new TextDecoder('latin1').decode(bytes).includes('location')) continue;
    seeds.push({ name: `corpus:${relative(CORPUS, path)}`, bytes, files: {} });
  }
  return seeds;
}

export const SEED_SETS = ['builtin', 'corpus', 'all'] as const;
export type SeedSet = (typeof SEED_SETS)[number];

/** Corpus models above this size are left out: each case is written, read and pruned whole. */
const CORPUS_MAX_BYTES = 4 << 20;

/** A named seed list: the name (with seed and case number) is all that a reproduction needs. */
export function seedSet(name: SeedSet): Seed[] {
  if (name === 'builtin') return builtinSeeds();
  if (name === 'corpus') return corpusSeeds(CORPUS_MAX_BYTES);
  return [...builtinSeeds(), ...corpusSeeds(CORPUS_MAX_BYTES)];
}
