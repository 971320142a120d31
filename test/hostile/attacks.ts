// The hostile-input suite's data: attacks (models crafted to hurt: issue 12) and the CLI commands run on each.
// Add an attack by adding an entry to ATTACKS; add a command to COMMANDS. test/hostile/suite.ts runs them.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildFixture } from '../builder/fixtures';
import { collidingNames } from '../support/hashFlood';
import {
  crossedRearrange,
  doublingConcat,
  hostileNames,
  namedChain,
  oneNameManyWriters,
  packedIntsAttribute,
  stringsAttribute,
  wideRank,
} from './crafted';

/**
 * Text that must stay text: a C1 control that is not JSON-safe once made visible (U+0085), a bidirectional
 * override, an escape sequence, a Markdown command link and HTML, and a line break followed by a line that
 * would pass for output. No output line may start with FORGED.
 */
export const FORGE_MARKER = 'FORGED';
const FORGE = `a\u0085b\u202e\x1b[2J[x](command:workbench.action.terminal.new)<img src=x>\n${FORGE_MARKER}: 0 errors`;

export interface Attack {
  name: string;
  /** What it attacks (issue 12 item). */
  what: string;
  /** Writes the attack into the empty folder `dir` (the model and any file it names); returns the model's path. */
  make(dir: string): string;
  /** Commands (by name) run on it in `npm test` (the short run); `npm run hostile` runs every command. */
  quick: 'all' | readonly string[];
  /**
   * Why the commands that run ONNX Runtime are left out, when they are: a large graph's own load time in ONNX
   * Runtime is not what the attack is about (it has its own time limit, 120 s a step).
   */
  noRuntime?: string;
}

function model(bytes: Uint8Array, name = 'model.onnx') {
  return (dir: string) => {
    const path = join(dir, name);
    writeFileSync(path, bytes);
    return path;
  };
}

export const ATTACKS: readonly Attack[] = [
  {
    name: 'control',
    what: 'a plain model (every command must work on it)',
    make: model(buildFixture('d2s-nomode').bytes),
    quick: ['prune', 'fix'],
  },
  {
    name: 'fold-doubling',
    what: '12.3: 26 Concat(c, c) of a 64-int Constant, 64·2^26 elements if folded (a 1.4 kB file)',
    make: (dir) => model(doublingConcat(26))(dir),
    quick: ['analyze --format json', 'prune'],
  },
  {
    name: 'packed-ints',
    what: '12.4: an attribute of 1.5 M two-byte packed int64s (a Long each)',
    make: (dir) => model(packedIntsAttribute(1_500_000))(dir),
    quick: ['inspect'],
  },
  {
    name: 'byte-strings',
    what: '12.4: an attribute of 600 k one-byte strings (a Uint8Array each)',
    make: (dir) => model(stringsAttribute(600_000, 1))(dir),
    quick: ['inspect'],
  },
  {
    name: 'empty-strings',
    what: '12.4: an attribute of 1 M empty strings',
    make: (dir) => model(stringsAttribute(1_000_000, 0))(dir),
    quick: ['inspect'],
  },
  {
    name: 'wide-rank',
    what: 'shapes: an input of 100,000 dims read by 2,000 Add nodes (each a new shape: 1.6 GB if kept)',
    make: (dir) => model(wideRank(100_000, 2_000))(dir),
    quick: ['analyze'],
  },
  {
    name: 'hash-flood',
    what: 'names: 32,768 node and value names of one FNV-1a hash (quadratic tables: 8 s for half as many)',
    make: (dir) => model(namedChain(collidingNames(15)))(dir),
    quick: ['analyze', 'prune'],
    noRuntime: 'ONNX Runtime takes 6 s to load a chain of 32,768 nodes, whatever their names',
  },
  {
    name: 'one-name-many-writers',
    what: 'graph: 20,000 nodes that read and write one value name (a quadratic order took 50 s)',
    make: (dir) => model(oneNameManyWriters(20_000))(dir),
    quick: ['analyze', 'prune'],
  },
  {
    name: 'crossed-rearrange',
    what: 'analysis: a Reshape→Transpose→Reshape pairing each of 16,384 channels with every other (2^28 pairs)',
    make: (dir) => model(crossedRearrange(1 << 14))(dir),
    quick: ['analyze --format json', 'prune'],
  },
  {
    name: 'forged-text',
    what: '12.11/12.12: names with U+0085, bidi, escapes, a command link, HTML and a line break',
    make: (dir) => model(hostileNames(FORGE))(dir),
    quick: 'all',
  },
];

/** Where a command may write: the folder for outputs (empty before each run). */
export interface RunPaths {
  model: string;
  out: string;
}

export interface Command {
  name: string;
  args(p: RunPaths): string[];
  /** Prints one JSON value on stdout. */
  json?: boolean;
  /** Runs ONNX Runtime (slow: not in the short run). */
  runtime?: boolean;
}

export const COMMANDS: readonly Command[] = [
  { name: 'inspect', args: (p) => ['inspect', p.model] },
  { name: 'inspect --json', args: (p) => ['inspect', p.model, '--json'], json: true },
  { name: 'analyze', args: (p) => ['analyze', p.model] },
  { name: 'analyze --format json', args: (p) => ['analyze', p.model, '--format', 'json'], json: true },
  { name: 'analyze --format sarif', args: (p) => ['analyze', p.model, '--format', 'sarif'], json: true },
  { name: 'plan', args: (p) => ['plan', p.model, '-o', join(p.out, 'model.prune.json')] },
  {
    name: 'prune',
    args: (p) => [
      'prune',
      p.model,
      '-o',
      join(p.out, 'pruned.onnx'),
      '--ratio',
      '0.5',
      '--report',
      join(p.out, 'report.json'),
      '--report-md',
      join(p.out, 'report.md'),
    ],
  },
  { name: 'fix', args: (p) => ['fix', p.model, '--code', 'PS003', '-o', join(p.out, 'fixed.onnx')] },
  {
    name: 'prune --verify',
    args: (p) => ['prune', p.model, '-o', join(p.out, 'pruned.onnx'), '--ratio', '0.5', '--verify'],
    runtime: true,
  },
  {
    name: 'verify --json',
    args: (p) => [
      'verify',
      p.model,
      p.model,
      '--runs',
      '0',
      '--json',
      '--report',
      join(p.out, 'verify.json'),
    ],
    json: true,
    runtime: true,
  },
];

/** The short run of `npm test`: the attacks' quick commands, none that runs ONNX Runtime. */
/** The commands `npm run hostile` runs on an attack: all of them, but ONNX Runtime's when it says why not. */
export function commandsFor(attack: Attack): Command[] {
  return COMMANDS.filter((c) => !(c.runtime && attack.noRuntime));
}

export function quickCommands(attack: Attack): Command[] {
  return COMMANDS.filter((c) => !c.runtime && (attack.quick === 'all' || attack.quick.includes(c.name)));
}
