// The graph inspector's words (inspector.ts): the status line of a graph drawn as name-scope boxes, and a
// box's tooltip.
import type { GraphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { graphNodes } from './graphQueries';

/** "1 box", "2,345 boxes". */
function count(n: number, one: string, many: string): string {
  return `${n.toLocaleString('en')} ${n === 1 ? one : many}`;
}

/** The status line of a graph drawn as boxes, `open` of them expanded. */
export function boxStatusText(skeleton: GraphSkeleton, open: number): string {
  const calls = skeleton.boxes.filter((b) => b.call !== undefined).length;
  // The name scopes come first; the boxes of calls (and their branches) follow (core/inspect/bodies.ts).
  const firstCall = skeleton.boxes.findIndex((b) => b.call !== undefined);
  const scopes = firstCall < 0 ? skeleton.boxes.length : firstCall;
  const bodies = skeleton.bodies;
  const inBodies = bodies ? skeleton.nodes.length - bodies.start : 0;
  return (
    `${graphNodes(skeleton).toLocaleString('en')} nodes · ${skeleton.groups.length} groups · ` +
    `${count(scopes, 'box', 'boxes')} by name scope` +
    (calls ? `, ${count(calls, 'call', 'calls')} with bodies (${count(inBodies, 'node', 'nodes')})` : '') +
    `, ${open} open (click a box to open it, its title to close it)` +
    (bodies?.cut
      ? ` · ${count(bodies.cut, 'call', 'calls')} left as nodes: recursive or past the body limits`
      : '')
  );
}

/** A box's tooltip: its scope, what it holds, the channel groups with members in it, and what a click does. */
export function boxTitle(skeleton: GraphSkeleton, b: number, closed: boolean): string {
  const box = skeleton.boxes[b];
  const ops = box.ops.map(([op, n]) => `${op} ×${n}`).join(', ');
  const groups = box.groups.map((g) => skeleton.groups[g].id);
  const listed =
    groups.length > 12 ? `${groups.slice(0, 12).join(', ')} … (${groups.length})` : groups.join(', ');
  return (
    `${box.path}: ${box.nodes} ${box.call !== undefined ? 'body nodes, drawn for reading (not analysed)' : 'nodes'} (${ops})` +
    (groups.length ? `\nchannel groups: ${listed}` : '') +
    `\n${closed ? 'Click to open' : 'Click the title to close'}`
  );
}
