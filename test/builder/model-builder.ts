// The public builder: every op family (through the class chain) plus build(). Typical use:
//   const b = new ModelBuilder({ opset: 17, seed: 1 });
//   const x = b.input('x', [1, 3, 8, 8]);
//   const y = b.relu(b.conv(x, 16, { kernel: 3, pads: 1, name: '/conv1/Conv' }));
//   b.output(y);
//   const built = b.build();
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { BuildOptions, Built } from './serialize';
import { serialize } from './serialize';
import { ControlOps } from './control-ops';

export class ModelBuilder extends ControlOps {
  /** Serialises the graph; the builder can keep growing and be built again afterwards. */
  build(options: BuildOptions = {}): Built {
    if (this.snapshot().outputs.length === 0)
      throw new Error('the model has no outputs: call output() first');
    return serialize(this.snapshot(), options);
  }
}

/** Writes the model and its external data files into `dir`; returns the model path. */
export function writeBuilt(dir: string, fileName: string, built: Built): string {
  const modelPath = join(dir, fileName);
  mkdirSync(dirname(modelPath), { recursive: true });
  writeFileSync(modelPath, built.bytes);
  for (const [location, bytes] of Object.entries(built.files)) {
    const path = join(dir, location);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return modelPath;
}
