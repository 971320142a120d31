// Models with bodies of calls (an If with two branches, a local function called twice) built with our model
// builder, and their graph skeletons: for the skeleton's and the graph view's tests (issue 17 §1).
import { analyzeModel } from '../../src/core/analyze/analyze';
import { type GraphSkeleton, graphSkeleton } from '../../src/core/inspect/graphSkeleton';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModelBytes } from '../../src/core/onnx/reader';
import { ModelBuilder } from '../builder';
import type { Built } from '../builder';
import type { SubgraphSpec } from '../builder/types';

export function skeletonOf(built: Built): GraphSkeleton {
  const file = openModelBytes(built.bytes, 'bodies.onnx');
  try {
    return graphSkeleton(analyzeModel(new ModelView(file)));
  } finally {
    file.close();
  }
}

/**
 * A conv stem, an If whose branches read the graph input `z` (5 and 3 Relus), and a conv head on both. With
 * `empty`, the branches return `z` as it is: no body nodes, and the same channel analysis.
 */
export function ifModel(empty = false): Built {
  const b = new ModelBuilder({ seed: 3 });
  const x = b.input('x', [1, 4, 8, 8]);
  const z = b.input('z', [1, 8, 8, 8]);
  const flag = b.input('flag', [], 'bool');
  const stem = b.relu(b.conv(x, 8, { kernel: 3, pads: 1, name: '/stem/Conv' }), { name: '/stem/Relu' });
  const branch = (name: string, n: number): SubgraphSpec =>
    b.body(name, [], (g) => {
      let y = g.outer(z);
      if (!empty) for (let k = 0; k < n; k++) y = g.relu(y, { name: `/${name}/Relu_${k}` });
      return [y];
    });
  const [picked] = b.ifElse(flag, branch('then', 5), branch('else', 3), { name: '/gate/If' });
  b.output(b.conv(b.concat([stem, picked], 1), 4, { kernel: 1, name: '/head/Conv' }));
  return b.build();
}

export /** A local function `local::Block` (Mul, Add, Relu) called twice. */
function functionModel(): Built {
  const b = new ModelBuilder({ seed: 5 });
  const x = b.input('x', [1, 4, 8, 8]);
  const block = b.localFunction(
    'local',
    'Block',
    b.body('Block', [{ name: 'a', shape: [1, 4, 8, 8] }], (g, [a]) => [
      g.relu(g.add(g.mul(a, a, { name: 'm' }), a, { name: 'p' }), { name: 'r' }),
    ]),
  );
  const [y] = b.call(block, [b.conv(x, 4, { kernel: 1, name: '/stem/Conv' })], { name: '/blocks/b1' });
  const [z] = b.call(block, [y], { name: '/blocks/b2' });
  b.output(z);
  return b.build();
}
