import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parsePlan } from '../../../src/core/plan/parsePlan';
import { applyFix, codes, diagnose, only, plan, slice } from './planFixtures';

const FULL = `{
  // A plan with comments and trailing commas.
  "$schema": "./node_modules/onnx-pruner/schemas/prune-plan.schema.json",
  "model": "edsr.onnx",
  "modelSha256": "${'0123456789abcdef'.repeat(4)}",
  "criterion": "l2",
  "ratio": 0.5,
  "roundTo": 4,
  "seed": 7,
  "global": false,
  "targetMacs": 0.5,
  "layers": {
    "/head/Conv": { "ratio": 0.25 }, /* block comment */
    "/body/conv1/Conv": { "prune": 8 },
    "/up/conv/Conv": { "indices": [0, 1, 2, 3] },
    "/tail/Conv": { "exclude": true },
  },
}
`;

describe('parsePlan', () => {
  test('reads every field, tolerating comments and trailing commas', () => {
    const doc = parsePlan(FULL);
    assert.deepEqual(doc.diagnostics, []);
    assert.deepEqual(doc.plan, {
      $schema: './node_modules/onnx-pruner/schemas/prune-plan.schema.json',
      model: 'edsr.onnx',
      modelSha256: '0123456789abcdef'.repeat(4),
      criterion: 'l2',
      ratio: 0.5,
      roundTo: 4,
      seed: 7,
      global: false,
      targetMacs: 0.5,
      layers: {
        '/head/Conv': { ratio: 0.25 },
        '/body/conv1/Conv': { prune: 8 },
        '/up/conv/Conv': { indices: [0, 1, 2, 3] },
        '/tail/Conv': { exclude: true },
      },
    });
  });

  test('positions: keys, values, settings, each index, top-level properties', () => {
    const doc = parsePlan(FULL);
    const at = (range: Parameters<typeof slice>[1]): string => slice(FULL, range);
    assert.equal(at(doc.positions.root), FULL.trimEnd());
    assert.equal(at(doc.positions.properties.get('model')?.key), '"model"');
    assert.equal(at(doc.positions.properties.get('model')?.value), '"edsr.onnx"');
    assert.equal(at(doc.positions.properties.get('ratio')?.value), '0.5');
    assert.equal(at(doc.positions.properties.get('global')?.value), 'false');
    const head = doc.positions.layers.get('/head/Conv')!;
    assert.equal(at(head.key), '"/head/Conv"');
    assert.equal(at(head.value), '{ "ratio": 0.25 }');
    assert.equal(at(head.setting), '0.25');
    assert.deepEqual(head.key.start, { line: 12, character: 4 });
    const up = doc.positions.layers.get('/up/conv/Conv')!;
    assert.equal(at(up.setting), '[0, 1, 2, 3]');
    assert.deepEqual(
      up.indices?.map((r) => at(r)),
      ['0', '1', '2', '3'],
    );
    assert.equal(at(doc.positions.layers.get('/tail/Conv')?.setting), 'true');
    assert.deepEqual(
      doc.layers.map((e) => e.name),
      ['/head/Conv', '/body/conv1/Conv', '/up/conv/Conv', '/tail/Conv'],
    );
  });

  test('CRLF line breaks and characters beyond the BMP count in UTF-16 code units', () => {
    const text = '{\r\n  "model": "m😀.onnx",\r\n  "layers": { "/a😀": { "prune": 2 } }\r\n}';
    const doc = parsePlan(text);
    assert.deepEqual(doc.diagnostics, []);
    const a = doc.positions.layers.get('/a😀')!;
    assert.deepEqual(a.key.start, { line: 2, character: 14 });
    assert.equal(slice(text, a.key), '"/a😀"');
    assert.equal(slice(text, a.setting), '2');
  });

  test('layers and all fields but model are optional', () => {
    const doc = parsePlan('{ "model": "m.onnx" }');
    assert.deepEqual(doc.diagnostics, []);
    assert.deepEqual(doc.plan, { model: 'm.onnx' });
  });

  test('a key "__proto__" is an ordinary layer name', () => {
    const doc = parsePlan('{ "model": "m.onnx", "layers": { "__proto__": { "prune": 1 } } }');
    assert.deepEqual(doc.diagnostics, []);
    assert.deepEqual(Object.keys(doc.plan!.layers!), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(doc.plan!.layers!, '__proto__')?.value, { prune: 1 });
    assert.equal(Object.getPrototypeOf(doc.plan!.layers!), Object.prototype);
  });
});

describe('not JSON: one clear PL000, never an exception', () => {
  const cases: [string, string, RegExp][] = [
    ['empty', '', /The plan is empty/],
    ['blank', '  \n ', /The plan is empty/],
    ['only a comment', '// nothing\n', /The plan is empty/],
    [
      'prose',
      'prune half of the channels please',
      /This is not a JSON plan \(line 1, column 1: unexpected character\)/,
    ],
    ['an HTML page', '<!DOCTYPE html>\n<html></html>', /This is not a JSON plan/],
    ['YAML', 'model: a.onnx\nratio: 0.5\n', /This is not a JSON plan/],
    ['an array', '[{ "model": "m.onnx" }]', /A plan is a JSON object .*, not an array/],
    ['a number', '42', /not a number/],
    ['a string', '"m.onnx"', /not a string/],
    ['null', 'null', /not null/],
    ['binary', '\u0000\u0001\u0002ONNX\u0000', /This is not a JSON plan/],
    ['nested a million deep', '['.repeat(1_000_000), /could not be read: it is nested too deeply/],
    [
      'larger than a plan may be (8 MiB)',
      `{ "model": "m.onnx", "layers": { ${'"/l/Conv": { "ratio": 0.5 }, '.repeat(300_000)} } }`,
      /The plan is too large to read: 8\.3 MiB of text, more than the 8 MiB a plan may have/,
    ],
  ];
  for (const [name, text, message] of cases) {
    test(name, () => {
      const doc = parsePlan(text);
      assert.equal(doc.diagnostics.length, 1, JSON.stringify(doc.diagnostics));
      const d = doc.diagnostics[0]!;
      assert.equal(d.code, 'PL000');
      assert.equal(d.severity, 'error');
      assert.match(d.message, message);
      assert.ok(d.range);
      assert.equal(doc.plan, undefined);
      assert.deepEqual(doc.layers, []);
    });
  }
});

describe('syntax errors', () => {
  test('are reported with their range, and the rest is still read', () => {
    const text = '{\n  "model": "m.onnx"\n  "ratio": 0.5,\n  "layers": { "/nope": { "prune": 1 } }\n}';
    const found = diagnose(text);
    assert.deepEqual(codes(found), ['PL000', 'PL002']);
    assert.match(found[0]!.message, /JSON syntax error: a comma was expected/);
    assert.equal(slice(text, found[0]!.range), '"ratio"');
    assert.equal(parsePlan(text).plan, undefined);
    assert.equal(parsePlan(text).partial.ratio, 0.5);
  });

  test('an unclosed object', () => {
    const text = '{ "model": "m.onnx", "layers": { "/head/Conv": { "prune": 4 }';
    const doc = parsePlan(text);
    assert.ok(doc.diagnostics.length >= 1);
    assert.ok(doc.diagnostics.every((d) => d.code === 'PL000'));
    assert.match(doc.diagnostics[0]!.message, /closing brace/);
    assert.deepEqual(doc.partial.layers['/head/Conv'], { prune: 4 });
  });
});

describe('schema errors (PL000) point at the offending node', () => {
  const cases: { name: string; text: string; covers: string; message: RegExp }[] = [
    {
      name: 'missing model',
      text: '{ "ratio": 0.5 }',
      covers: '{',
      message:
        /The plan has no "model": add "model": "<file>\.onnx", the model's path relative to the plan's folder\./,
    },
    {
      name: 'model not a string',
      text: '{ "model": 3 }',
      covers: '3',
      message: /"model" must be a string\./,
    },
    { name: 'empty model', text: '{ "model": "" }', covers: '""', message: /"model" must not be empty/ },
    {
      name: 'unknown top-level property',
      text: '{ "model": "m.onnx", "rato": 0.5 }',
      covers: '"rato"',
      message: /Unknown property "rato" in the plan: the known ones are .*ratio/,
    },
    {
      name: 'bad hash',
      text: '{ "model": "m.onnx", "modelSha256": "abc" }',
      covers: '"abc"',
      message: /"modelSha256" must be 64 hexadecimal digits/,
    },
    {
      name: 'unknown criterion',
      text: '{ "model": "m.onnx", "criterion": "L1" }',
      covers: '"L1"',
      message: /"criterion" must be one of "l1", "l2", "bn", "random", "activation", "greedy"\./,
    },
    {
      name: 'roundTo 0',
      text: '{ "model": "m.onnx", "roundTo": 0 }',
      covers: '0',
      message: /"roundTo" must be at least 1\./,
    },
    {
      name: 'roundTo not an integer',
      text: '{ "model": "m.onnx", "roundTo": 2.5 }',
      covers: '2.5',
      message: /"roundTo" must be an integer\./,
    },
    {
      name: 'seed a string',
      text: '{ "model": "m.onnx", "seed": "7" }',
      covers: '"7"',
      message: /"seed" must be an integer/,
    },
    {
      name: 'global not a boolean',
      text: '{ "model": "m.onnx", "global": 1 }',
      covers: '1',
      message: /"global" must be a boolean/,
    },
    {
      name: 'targetMacs 0',
      text: '{ "model": "m.onnx", "targetMacs": 0 }',
      covers: '0',
      message: /"targetMacs" must be greater than 0/,
    },
    {
      name: 'targetMacs above 1',
      text: '{ "model": "m.onnx", "targetMacs": 1.5 }',
      covers: '1.5',
      message: /"targetMacs" must be at most 1/,
    },
    {
      name: 'layers an array',
      text: '{ "model": "m.onnx", "layers": [] }',
      covers: '[]',
      message: /"layers" must be an object/,
    },
    {
      name: 'entry not an object',
      text: '{ "model": "m.onnx", "layers": { "/a": 0.5 } }',
      covers: '0.5',
      message: /The entry of layer "\/a" must be an object: one of/,
    },
    {
      name: 'empty entry',
      text: '{ "model": "m.onnx", "layers": { "/a": {} } }',
      covers: '{}',
      message: /The entry of layer "\/a" is empty/,
    },
    {
      name: 'two settings',
      text: '{ "model": "m.onnx", "layers": { "/a": { "ratio": 0.5, "prune": 2 } } }',
      covers: '{ "ratio": 0.5, "prune": 2 }',
      message: /gives "ratio" and "prune": keep exactly one of them/,
    },
    {
      name: 'unknown setting',
      text: '{ "model": "m.onnx", "layers": { "/a": { "prun": 2 } } }',
      covers: '"prun"',
      message: /Unknown setting "prun" for layer "\/a"/,
    },
    {
      name: 'negative prune',
      text: '{ "model": "m.onnx", "layers": { "/a": { "prune": -2 } } }',
      covers: '-2',
      message: /"prune" of layer "\/a" must be at least 0\./,
    },
    {
      name: 'fractional prune',
      text: '{ "model": "m.onnx", "layers": { "/a": { "prune": 2.5 } } }',
      covers: '2.5',
      message: /"prune" of layer "\/a" must be an integer\./,
    },
    {
      name: 'ratio a string',
      text: '{ "model": "m.onnx", "layers": { "/a": { "ratio": "50%" } } }',
      covers: '"50%"',
      message: /"ratio" of layer "\/a" must be a number\./,
    },
    {
      name: 'indices not an array',
      text: '{ "model": "m.onnx", "layers": { "/a": { "indices": 3 } } }',
      covers: '3',
      message: /"indices" of layer "\/a" must be an array\./,
    },
    {
      name: 'a fractional index',
      text: '{ "model": "m.onnx", "layers": { "/a": { "indices": [1, 2.5] } } }',
      covers: '2.5',
      message: /Element 1 of "indices" of layer "\/a" must be an integer\./,
    },
    {
      name: 'exclude false',
      text: '{ "model": "m.onnx", "layers": { "/a": { "exclude": false } } }',
      covers: 'false',
      message: /"exclude" of layer "\/a" must be true/,
    },
  ];
  for (const { name, text, covers, message } of cases) {
    test(name, () => {
      const doc = parsePlan(text);
      const d = only(doc.diagnostics, 'PL000');
      assert.equal(d.severity, 'error');
      assert.match(d.message, message);
      assert.equal(slice(text, d.range), covers);
      assert.equal(doc.plan, undefined);
    });
  }

  test('several errors are all reported, and valid entries are still read', () => {
    const text = plan(
      [
        '"/head/Conv": { "prune": -1 }',
        '"/fc/Gemm": { "ratio": 0.5 }',
        '"/body/conv1/Conv": { "indices": "all" }',
      ],
      ['"roundTo": 0', '"ratio": 0.5'],
    );
    const doc = parsePlan(text);
    assert.equal(doc.diagnostics.filter((d) => d.code === 'PL000').length, 3);
    assert.deepEqual(doc.partial.layers, { '/fc/Gemm': { ratio: 0.5 } });
    assert.equal(doc.partial.roundTo, undefined);
    assert.equal(doc.partial.ratio, 0.5);
    assert.equal(doc.partial.model, 'edsr.onnx');
  });

  test('ranges of a layer name with a slash-escaped JSON pointer', () => {
    const text = '{ "model": "m.onnx", "layers": { "/a~b/c": { "prune": "x" } } }';
    assert.equal(slice(text, only(parsePlan(text).diagnostics, 'PL000').range), '"x"');
  });
});

describe('PL009: a key given twice', () => {
  test('a layer listed twice: the earlier one is flagged and can be removed', () => {
    const text = plan([
      '"/head/Conv": { "prune": 8 }',
      '"/fc/Gemm": { "prune": 1 }',
      '"/head/Conv": { "prune": 4 }',
    ]);
    const doc = parsePlan(text);
    const d = only(doc.diagnostics, 'PL009');
    assert.equal(d.severity, 'warning');
    assert.equal(d.range!.start.line, 3);
    assert.equal(slice(text, d.range), '"/head/Conv"');
    assert.match(d.message, /Layer "\/head\/Conv" is listed again on line 6; the last entry wins/);
    assert.deepEqual(doc.plan!.layers!['/head/Conv'], { prune: 4 });
    assert.deepEqual(
      doc.layers.filter((e) => e.shadowed).map((e) => e.name),
      ['/head/Conv'],
    );
    assert.equal(slice(text, doc.positions.layers.get('/head/Conv')!.value), '{ "prune": 4 }');
    const fixed = applyFix(text, d, 'PL009.remove');
    assert.equal(fixed, plan(['"/fc/Gemm": { "prune": 1 }', '"/head/Conv": { "prune": 4 }']));
  });

  test('a layer listed three times: the first two are flagged, each naming the next, and the last wins', () => {
    const text = plan([
      '"/head/Conv": { "prune": 8 }',
      '"/fc/Gemm": { "prune": 1 }',
      '"/head/Conv": { "prune": 4 }',
      '"/head/Conv": { "prune": 2 }',
    ]);
    const doc = parsePlan(text);
    const found = doc.diagnostics.filter((d) => d.code === 'PL009');
    assert.deepEqual(
      found.map((d) => [d.range!.start.line, /listed again on line (\d+)/.exec(d.message)![1]]),
      [
        [3, '6'],
        [5, '7'],
      ],
    );
    assert.deepEqual(doc.plan!.layers!['/head/Conv'], { prune: 2 });
    assert.deepEqual(
      doc.layers.map((e) => [e.name, e.shadowed]),
      [
        ['/head/Conv', true],
        ['/fc/Gemm', false],
        ['/head/Conv', true],
        ['/head/Conv', false],
      ],
    );
    assert.equal(slice(text, doc.positions.layers.get('/head/Conv')!.value), '{ "prune": 2 }');
  });

  test('a top-level key given twice (inline): the earlier one goes', () => {
    const text = '{"model":"m.onnx","ratio":0.1,"ratio":0.2}';
    const d = only(parsePlan(text).diagnostics, 'PL009');
    assert.equal(slice(text, d.range), '"ratio"');
    assert.equal(parsePlan(text).plan!.ratio, 0.2);
    assert.equal(applyFix(text, d, 'PL009.remove'), '{"model":"m.onnx","ratio":0.2}');
  });
});
