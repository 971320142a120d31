import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** Real public models (../shared/corpus beside the checkout). Never copied into the repository. */
export const CORPUS = process.env.ONNX_PRUNER_CORPUS ?? resolve('..', 'shared', 'corpus');

/** Suites that read the corpus skip cleanly when it is absent. */
export const corpusPresent = existsSync(join(CORPUS, 'MANIFEST.md'));

/** Every .onnx file of the corpus, sorted. */
export function corpusModels(): string[] {
  const find = (dir: string): string[] =>
    readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? find(path) : name.endsWith('.onnx') ? [path] : [];
    });
  return corpusPresent ? find(CORPUS).sort() : [];
}
