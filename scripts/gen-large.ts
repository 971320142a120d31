// Writes the ~50,000-node generated models (test/support/largeModels.ts) into a folder, for the e2e and
// browser suites and for trying the tools on a large graph by hand. Deterministic: the same bytes every run.
// Usage: node scripts/run-ts.mjs scripts/gen-large.ts <folder> [file name…]
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { writeBuilt } from '../test/builder/model-builder';
import { LARGE_MODELS } from '../test/support/largeModels';

function main(): void {
  const [folder, ...names] = process.argv.slice(2);
  if (!folder) throw new Error('usage: gen-large.ts <folder> [file name…]');
  const wanted = names.length > 0 ? names : Object.keys(LARGE_MODELS);
  const unknown = wanted.filter((name) => !(name in LARGE_MODELS));
  if (unknown.length > 0)
    throw new Error(`unknown model ${unknown.join(', ')}; known: ${Object.keys(LARGE_MODELS).join(', ')}`);
  const dir = resolve(folder);
  mkdirSync(dir, { recursive: true });
  for (const name of wanted) {
    const built = LARGE_MODELS[name]();
    const path = writeBuilt(dir, name, built);
    const nodes = built.model.graph?.node?.length ?? 0;
    console.log(`wrote ${path}: ${nodes} nodes, ${(built.bytes.length / 1e6).toFixed(1)} MB`);
  }
}

main();
