import type { Analysis } from '../analyze/analyze';
import type { PixelShuffleInfo } from '../analyze/types';
import { withChanges } from '../onnx/edit';
import { pushAll } from '../lists';
import { OnnxError } from '../onnx/errors';
import { toLong } from '../onnx/int64';
import type { ModelFile } from '../onnx/modelFile';
import type { onnx } from '../onnx/proto/onnx.js';
import { type FoldedWeights, foldWeights } from './foldWeight';
import type { ModelFixCode } from '../../shared/modelFixCodes';

type Node = onnx.NodeProto.$Properties;

export { MODEL_FIX_CODES, type ModelFixCode } from '../../shared/modelFixCodes';

export interface FixResult {
  proto: onnx.ModelProto.$Properties;
  /** The nodes the fix was applied at. */
  fixed: string[];
}

/**
 * Applies a model-level fix everywhere it applies (or at one node):
 * - PS002: a Reshape→Transpose→Reshape pixel shuffle becomes one DepthToSpace with the same mode; the shape
 *   constants and Shape/Gather/Concat chains only it used are removed.
 * - PS003: a DepthToSpace without mode gets mode="DCR", which is what it computes.
 * - PR001, PR003 (where the finding offers it): a Gemm/MatMul (PR001) or Conv (PR003) weight that a Reshape,
 *   Flatten, Squeeze, Unsqueeze or Transpose makes from an initializer at run time becomes an initializer of
 *   that shape (foldWeight.ts).
 * All move data exactly as before: the fixed model computes the same outputs bit for bit.
 */
export function fixModel(file: ModelFile, analysis: Analysis, code: ModelFixCode, node?: string): FixResult {
  const graph = file.proto.graph!;
  const opset = analysis.state.graph.model.opsets.get('') ?? 1;
  const shuffles = analysis.state.shuffles.map((s) => s.info);
  const fixed: string[] = [];
  let nodes: Node[] = [...(graph.node ?? [])];
  let added: FoldedWeights | undefined;
  if (code === 'PR001' || code === 'PR003') {
    added = foldWeights(file, analysis, code, node);
    nodes = nodes.filter((n) => !added!.removed.has(n));
    pushAll(fixed, added.fixed);
  } else if (code === 'PS003') {
    if (opset < 11)
      throw new OnnxError(
        'unsupported',
        `${file.name}: DepthToSpace has no mode before opset 11 (this model uses opset ${opset}); it is DCR already.`,
        file.name,
      );
    const targets = new Set(
      analysis.report.diagnostics
        .filter((d) => d.code === 'PS003' && (!node || d.node === node))
        .map((d) => d.node!),
    );
    nodes = nodes.map((n, i) => {
      const name = n.name || `#${i}`;
      if (!targets.has(name)) return n;
      fixed.push(name);
      const mode: onnx.AttributeProto.$Properties = {
        name: 'mode',
        type: 3,
        s: new TextEncoder().encode('DCR'),
      };
      return withChanges(n, { attribute: [...(n.attribute ?? []), mode] });
    });
  } else {
    const rtr = shuffles.filter(
      (s): s is PixelShuffleInfo & { nodes: string[] } =>
        s.form === 'ReshapeTransposeReshape' &&
        !!s.nodes &&
        (!node || s.node === node || s.nodes.includes(node)),
    );
    for (const shuffle of rtr) {
      if (shuffle.mode === 'CRD' && opset < 11) {
        throw new OnnxError(
          'unsupported',
          `${file.name}: the pixel shuffle at '${shuffle.node}' is CRD, which DepthToSpace has only from opset 11 (this model uses opset ${opset}).`,
          file.name,
        );
      }
      const [first, , last] = shuffle.nodes.map((name) => nodes.find((n) => nameOf(n, graph) === name)!);
      const replacement: Node = {
        op_type: 'DepthToSpace',
        name: `${shuffle.node}/DepthToSpace`,
        input: [first.input![0]],
        output: [last.output![0]],
        attribute: [
          { name: 'blocksize', type: 2, i: toLong(shuffle.blocksize) },
          ...(opset >= 11 ? [{ name: 'mode', type: 3, s: new TextEncoder().encode(shuffle.mode!) }] : []),
        ],
      };
      const at = nodes.indexOf(first);
      nodes = nodes.filter((n) => !shuffle.nodes.includes(nameOf(n, graph)));
      nodes.splice(Math.min(at, nodes.length), 0, replacement);
      fixed.push(shuffle.node);
    }
  }
  if (fixed.length === 0) {
    // A PR001 or PR003 is fixed only where it offers the fold (a weight rearranged from an initializer).
    const what = added ? `${code} finding with a weight to fold` : `${code} finding`;
    throw new OnnxError(
      'unsupported',
      `${file.name}: no ${what}${node ? ` at '${node}'` : ''} to fix.`,
      file.name,
    );
  }
  const withAdded = added
    ? withChanges(graph, {
        initializer: [...(graph.initializer ?? []), ...added.initializers],
        input: [...(graph.input ?? []), ...added.inputs],
      })
    : graph;
  const { nodes: live, initializers } = removeDead(nodes, withAdded);
  const produced = new Set(live.flatMap((n) => n.output ?? []));
  const valueInfo = (graph.value_info ?? []).filter((v) => produced.has(v.name ?? ''));
  const newGraph = withChanges(withAdded, { node: live, initializer: initializers, value_info: valueInfo });
  return { proto: withChanges(file.proto as onnx.ModelProto.$Properties, { graph: newGraph }), fixed };
}

function nameOf(n: Node, graph: onnx.GraphProto.$Properties): string {
  return n.name || `#${(graph.node ?? []).indexOf(n)}`;
}

/** Drops nodes (repeatedly) and initializers whose values nothing uses any more. */
function removeDead(
  nodes: Node[],
  graph: onnx.GraphProto.$Properties,
): { nodes: Node[]; initializers: onnx.TensorProto.$Properties[] } {
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ''));
  let current = nodes;
  for (;;) {
    const used = new Set<string>([
      ...outputs,
      ...current.flatMap((n) => n.input ?? []),
      ...subgraphReads(current),
    ]);
    const next = current.filter((n) => (n.output ?? []).some((o) => o && used.has(o)));
    if (next.length === current.length) break;
    current = next;
  }
  const used = new Set<string>([
    ...outputs,
    ...current.flatMap((n) => n.input ?? []),
    ...subgraphReads(current),
  ]);
  const inputs = new Set((graph.input ?? []).map((i) => i.name ?? ''));
  // Initializers also listed as graph inputs (IR < 4) stay: the inputs are part of the interface.
  const initializers = (graph.initializer ?? []).filter(
    (t) => used.has(t.name ?? '') || inputs.has(t.name ?? ''),
  );
  return { nodes: current, initializers };
}

/** Values read inside subgraphs (If/Loop bodies may use outer values without listing them as inputs). */
function subgraphReads(nodes: Node[]): string[] {
  const reads: string[] = [];
  const visit = (g: onnx.GraphProto.$Properties) => {
    for (const n of g.node ?? []) {
      pushAll(reads, n.input ?? []);
      for (const a of n.attribute ?? []) [a.g, ...(a.graphs ?? [])].forEach((sub) => sub && visit(sub));
    }
  };
  for (const n of nodes)
    for (const a of n.attribute ?? []) [a.g, ...(a.graphs ?? [])].forEach((sub) => sub && visit(sub));
  return reads;
}
