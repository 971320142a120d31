import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import schema from '../../../schemas/prune-plan.schema.json';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { diagnose } from './planFixtures';

type SchemaNode = { [key: string]: unknown };

/** Every property schema, with its path. */
function properties(node: SchemaNode, path: string[] = []): [string, SchemaNode][] {
  const found: [string, SchemaNode][] = [];
  const props = (node.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, child] of Object.entries(props)) {
    found.push([[...path, name].join('.'), child], ...properties(child, [...path, name]));
  }
  const additional = node.additionalProperties;
  if (additional && typeof additional === 'object') {
    found.push(
      [[...path, '*'].join('.'), additional as SchemaNode],
      ...properties(additional as SchemaNode, [...path, '*']),
    );
  }
  for (const [i, branch] of ((node.oneOf ?? []) as SchemaNode[]).entries()) {
    found.push(...properties(branch, [...path, `oneOf${i}`]));
  }
  return found;
}

describe('the plan schema', () => {
  test('is draft-07 and describes every property (VS Code shows them on hover)', () => {
    assert.equal(schema.$schema, 'http://json-schema.org/draft-07/schema#');
    assert.ok(schema.description);
    const all = properties(schema as SchemaNode);
    assert.ok(all.length >= 15, `${all.length} properties`);
    for (const [path, node] of all) {
      assert.equal(typeof node.description, 'string', `${path} has a description`);
      assert.ok((node.description as string).length > 10, `${path}: a real description`);
    }
    assert.deepEqual(Object.keys(schema.properties).sort(), [
      '$schema',
      'alignReason',
      'alignTo',
      'criterion',
      'global',
      'layers',
      'model',
      'modelSha256',
      'ratio',
      'roundTo',
      'seed',
      'targetLatency',
      'targetMacs',
    ]);
  });

  test("the design document's example plan is valid", () => {
    const text = JSON.stringify({
      $schema: './node_modules/onnx-pruner/schemas/prune-plan.schema.json',
      model: 'espcn.onnx',
      criterion: 'l1',
      ratio: 0.5,
      roundTo: 1,
      layers: {
        '/conv2/Conv': { ratio: 0.25 },
        '/conv3/Conv': { prune: 8 },
        '/up/conv/Conv': { indices: [0, 1, 2, 3] },
        '/tail/Conv': { exclude: true },
      },
    });
    assert.deepEqual(parsePlan(text).diagnostics, []);
  });
});

describe('docs/plan.md', () => {
  const markdown = readFileSync(join(process.cwd(), 'docs/plan.md'), 'utf8');
  const examples = [...markdown.matchAll(/```jsonc\n([\s\S]*?)```/g)].map((m) => m[1]!);

  test('has examples', () => {
    assert.ok(examples.length >= 2);
  });
  for (const [i, example] of examples.entries()) {
    test(`example ${i + 1} parses and is clean against the EDSR-like test model`, () => {
      assert.deepEqual(diagnose(example), []);
      assert.ok(parsePlan(example).plan);
    });
  }
});
