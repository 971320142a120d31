// The plain-chain fixture with its input's and output's height and width symbolic ('height', 'width'), as a
// super-resolution net exports them: random inputs then need a size for those dims.
import { buildFixture, writeBuilt } from '../builder';
import { type Model, encode } from '../runtime/handPruned';

export function writeSymbolicSpatial(dir: string, name: string): string {
  const built = buildFixture('plain-chain');
  const model = structuredClone(built.model) as Model;
  const graph = model.graph!;
  for (const value of [graph.input![0], graph.output![0]]) {
    const dims = value.type!.tensor_type!.shape!.dim!;
    dims[2] = { dim_param: 'height' };
    dims[3] = { dim_param: 'width' };
  }
  graph.value_info = [];
  return writeBuilt(dir, name, { ...built, bytes: encode(model), files: {} });
}
