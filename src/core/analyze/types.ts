/**
 * The analysis results the CLI (`analyze --format json`, design contract §5), the language server, the
 * pruner and the plan checker share.
 */
import type { DiagnosticCode, Severity } from './codes';

/** A tensor sliced when the group's channels go: `tensor` on `axis`, as the node `node` uses it. */
export interface GroupMember {
  node: string;
  /** Initializer name, or for weights made at run time the value name (see `source`). */
  tensor: string;
  axis: number;
  /**
   * Where the tensor lives: an initializer (default), a Constant node, a ConstantOfShape node, or a node
   * attribute (`tensor` then names the attribute: a depthwise conv's `group`, a Split's `split`). Axis −1
   * marks things that change with the channel count rather than being sliced (attributes, shape constants).
   */
  source?: 'initializer' | 'constant-node' | 'constant-of-shape' | 'attribute';
  /**
   * What the slice is for, for people: 'weight (out channels)', 'bias', 'scale'… (the member's label: no code
   * branches on it; the code uses the member's typed kind, `deps/memberKinds.ts`).
   */
  role: string;
}

export interface PixelShuffleInfo {
  /** The DepthToSpace / SpaceToDepth node, or the Transpose of a Reshape→Transpose→Reshape. */
  node: string;
  form: 'DepthToSpace' | 'ReshapeTransposeReshape' | 'SpaceToDepth' | 'PixelUnshuffle';
  /** For depth-to-space: CRD (PyTorch) or DCR (TensorFlow, and DepthToSpace's default). */
  mode?: 'CRD' | 'DCR';
  blocksize: number;
  /** For Reshape→Transpose→Reshape: the three nodes. */
  nodes?: string[];
}

export interface ChannelGroup {
  /** 'G1', 'G2', … in graph order of the first root. */
  id: string;
  /** Nodes whose output channels root the group (Conv, ConvTranspose, Gemm, MatMul with a weight). */
  roots: string[];
  /** Output channels of the first root. */
  channels: number;
  /** Channels of the first root removed together (r² through a pixel shuffle, g through grouped convs). */
  unit: number;
  prunable: boolean;
  /** Null, or a sentence saying why the group cannot be pruned. */
  locked: string | null;
  members: GroupMember[];
  pixelShuffle: PixelShuffleInfo[];
}

export interface Fix {
  id: string;
  title: string;
  kind: 'model' | 'plan';
}

/** A range in a text file (the plan): zero-based line and character, end exclusive. */
export interface TextRange {
  start: { line: number; character: number };
  end: { line: number; character: number };
}

/** One text replacement in the plan file that a plan fix makes. */
export interface TextEdit {
  range: TextRange;
  newText: string;
}

export interface Diagnostic {
  code: DiagnosticCode;
  /** Always `CODES[code].severity` (made by `diagnostic()`); in the object for the JSON and SARIF readers. */
  severity: Severity;
  message: string;
  /** The node it is about (model-level findings). */
  node?: string;
  group?: string;
  /** For plan findings: the plan file, and where in it. */
  file?: string;
  range?: TextRange;
  fixes: (Fix & { edits?: TextEdit[] })[];
}

export interface AnalysisReport {
  model: { path: string; irVersion: number; opsets: Record<string, number>; nodes: number };
  groups: ChannelGroup[];
  diagnostics: Diagnostic[];
}

/** What the plan checker and the pruner need to know of one root layer (a plan `layers` key). */
export interface RootLayer {
  /** Node name, or `#<index>` for unnamed nodes. */
  node: string;
  op: string;
  /** The group this root belongs to. */
  group: string;
  /** This root's output channels. */
  channels: number;
  /** Channels of this root removed together. */
  unit: number;
  /**
   * The prunable units as lists of this root's output-channel indices, ascending: whole pixel-shuffle
   * blocks (CRD contiguous `c·r²…c·r²+r²−1`, DCR strided `c, c+C', …`), strided sets for grouped convs,
   * single channels otherwise. A plan's `indices` must be a union of whole blocks.
   */
  blocks: number[][];
  /** Null, or why the group cannot be pruned. */
  locked: string | null;
}
