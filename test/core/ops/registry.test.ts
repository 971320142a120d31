// The op registry is consistent: no op twice, every op with a channel or MAC rule has a shape rule, every
// rewrite an op declares is one prune/apply.ts handles, and the rules add no rewrite their spec does not declare.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { analyzeModel } from '../../../src/core/analyze/analyze';
import { REWRITE_KINDS, SLICE_KINDS, type RewriteKind } from '../../../src/core/deps/memberKinds';
import { SHAPES } from '../../../src/core/graph/shapeRules';
import { ModelView } from '../../../src/core/onnx/modelView';
import { openModel } from '../../../src/core/onnx/reader';
import { OPS, OpRegistry } from '../../../src/core/ops/registry';
import { FIXTURE_NAMES, buildFixture } from '../../builder/fixtures';
import { writeBuilt } from '../../builder/model-builder';
import { tempDir } from '../../support/tempDir';

const dir = tempDir();

describe('the op registry', () => {
  test('refuses an op registered twice, in one family or across families', () => {
    const relu = { shape: SHAPES.sameNoValue };
    assert.throws(
      () =>
        new OpRegistry([
          {
            domain: '',
            ops: [
              ['Relu', relu],
              ['Relu', relu],
            ],
          },
        ]),
      /Relu is registered twice/,
    );
    assert.throws(() => OPS.with([{ domain: '', ops: [['Conv', relu]] }]), /Conv is registered twice/);
    assert.throws(
      () => OPS.with([{ domain: 'com.microsoft', ops: [['FusedConv', relu]] }]),
      /com\.microsoft::FusedConv is registered twice/,
    );
    // The same op type in another domain is another op.
    assert.doesNotThrow(() => OPS.with([{ domain: 'my.ops', ops: [['Conv', relu]] }]));
  });

  test('every op has a shape rule, whatever else it has', () => {
    const entries = OPS.entries();
    assert.ok(entries.length > 80, `${entries.length} ops`);
    const missing = entries.filter((e) => typeof e.spec.shape !== 'function').map((e) => e.opType);
    assert.deepEqual(missing, []);
    for (const op of ['Conv', 'Relu', 'Reshape', 'DepthToSpace', 'Gemm', 'Split']) {
      assert.ok(OPS.channelRule('', op), `${op} has a channel rule`);
    }
    assert.equal(OPS.channelRule('', 'Gather'), undefined, 'Gather fails closed');
    assert.equal(OPS.channelRule('ai.onnx.ml', 'Conv'), undefined, 'ops are keyed by domain and type');
  });

  test('every pattern starts at an op with a spec', () => {
    assert.ok(OPS.patterns.length > 0);
    for (const pattern of OPS.patterns) {
      assert.ok(OPS.spec(pattern.domain, pattern.opType), pattern.name);
      assert.ok(OPS.patternsAt(pattern.domain, pattern.opType).includes(pattern));
    }
  });

  test('the rewrites the specs declare are the kinds prune/apply.ts handles, each declared by some op', () => {
    const declared = new Set<RewriteKind>(OPS.entries().flatMap((e) => e.spec.rewrite ?? []));
    assert.deepEqual([...declared].sort(), [...REWRITE_KINDS].sort());
  });

  test('over every builder fixture, rules add only members their spec declares', () => {
    const slice = new Set<string>(SLICE_KINDS);
    let rewrites = 0;
    for (const name of FIXTURE_NAMES) {
      const path = writeBuilt(join(dir, name), `${name}.onnx`, buildFixture(name));
      const analysis = analyzeModel(new ModelView(openModel(path)));
      const graph = analysis.state.graph;
      const opOf = new Map(graph.nodes.map((n) => [n.name, n]));
      for (const member of analysis.state.members) {
        const sliced = member.axis >= 0;
        assert.equal(slice.has(member.kind), sliced, `${name}: ${member.kind} on axis ${member.axis}`);
        if (sliced) continue;
        const node = opOf.get(member.node)!;
        const rewrite = OPS.spec(node.domain, node.opType)?.rewrite ?? [];
        assert.ok(
          rewrite.includes(member.kind as RewriteKind),
          `${name}: ${node.opType} '${member.node}' has a ${member.kind} member its spec does not declare`,
        );
        rewrites++;
      }
    }
    assert.ok(rewrites > 10, `${rewrites} rewrite members checked`);
  });
});
