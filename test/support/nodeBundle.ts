// Bundles of our entry points for tests and the bench, built from the source at hand (never a stale dist/).
import { createRequire } from 'node:module';
import { resolve } from 'node:path';

/**
 * The installed esbuild, loaded at run time: it cannot be bundled into the file that uses it (bundled, its
 * synchronous build starts a worker thread on that very file).
 */
export function loadEsbuild(): typeof import('esbuild') {
  return createRequire(resolve('package.json'))('esbuild') as typeof import('esbuild');
}

/** Bundles a TypeScript entry point for Node into `outfile`, as the build does (CommonJS, Node 20). */
export function bundleForNode(entry: string, outfile: string, external: string[] = []): void {
  loadEsbuild().buildSync({
    entryPoints: [resolve(entry)],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external,
    logLevel: 'warning',
  });
}
