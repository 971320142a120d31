// What the graph inspector looks up in the skeleton (inspector.ts): the graph's own nodes as against the nodes
// of call bodies, the nodes a search finds, and the node the arrow keys move the selection to.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';

/** How many of the skeleton's nodes are the graph's own (the rest are body nodes, core/inspect/bodies.ts). */
export function graphNodes(skeleton: GraphSkeleton): number {
  return skeleton.bodies?.start ?? skeleton.nodes.length;
}

export function isBodyNode(skeleton: GraphSkeleton, index: number): boolean {
  return skeleton.bodies !== undefined && index >= skeleton.bodies.start;
}

/** The nodes a search finds: `q` (trimmed, lower case) in the name or a value's name, or the op exactly. */
export function searchNodes(skeleton: GraphSkeleton, q: string): number[] {
  const matches: number[] = [];
  skeleton.nodes.forEach((node, i) => {
    const values = [...node.inputs, ...node.outputs].map((v) => skeleton.values[v].name.toLowerCase());
    if (
      node.name.toLowerCase().includes(q) ||
      node.op.toLowerCase() === q ||
      values.some((v) => v.includes(q))
    )
      matches.push(i);
  });
  return matches;
}

/**
 * The node above (the producer of the first input that is not a weight) or below (the first node reading an
 * output) the selected one; the first node when none is selected.
 */
export function neighbour(
  skeleton: GraphSkeleton,
  selected: number | undefined,
  down: boolean,
): number | undefined {
  if (selected === undefined) return 0;
  if (!down) {
    const input = skeleton.nodes[selected].inputs.find(
      (v) => skeleton.values[v].producer >= 0 && !skeleton.values[v].weight,
    );
    return input === undefined ? undefined : skeleton.values[input].producer;
  }
  const outputs = new Set(skeleton.nodes[selected].outputs);
  const next = skeleton.nodes.findIndex((n) => n.inputs.some((v) => outputs.has(v)));
  return next >= 0 ? next : undefined;
}
