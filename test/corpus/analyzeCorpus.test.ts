import { CORPUS, corpusModels, corpusPresent } from '../support/corpus';
import assert from 'node:assert/strict';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { type Analysis, analyzeModel } from '../../src/core/analyze/analyze';
import { OnnxError } from '../../src/core/onnx/errors';
import { ModelView } from '../../src/core/onnx/modelView';
import { openModel } from '../../src/core/onnx/reader';
import { shapeOf } from '../support/analysis';

function analyze(name: string): Analysis {
  const file = openModel(join(CORPUS, name), { checkExternalData: false });
  try {
    return analyzeModel(new ModelView(file));
  } finally {
    file.close();
  }
}

describe('analysis of the public model corpus', { skip: !corpusPresent && `no corpus at ${CORPUS}` }, () => {
  const models = corpusModels();
  for (const path of models) {
    const name = relative(CORPUS, path);
    test(`${name} analyses`, (t) => {
      const started = performance.now();
      let analysis: Analysis;
      try {
        analysis = analyze(name);
      } catch (error) {
        // Bad files end in a clear error, never a crash.
        assert.ok(error instanceof OnnxError, String(error));
        t.diagnostic(`refused: ${error.message}`);
        return;
      }
      const ms = performance.now() - started;
      const { groups, diagnostics } = analysis.report;
      t.diagnostic(
        `${ms.toFixed(1)} ms, ${analysis.report.model.nodes} nodes, ${groups.length} groups (${groups.filter((g) => g.prunable).length} prunable), ${diagnostics.length} findings`,
      );
      for (const g of groups) {
        assert.ok(
          (g.channels > 0 && g.unit > 0 && g.channels % g.unit === 0) || g.locked,
          `${g.id}: ${g.channels} channels in units of ${g.unit}`,
        );
        assert.equal(g.prunable, g.locked === null);
      }
    });
  }

  test('the PyTorch super-resolution net gives the same groups in every export form', () => {
    const forms = [
      'ort-extensions/pytorch_super_resolution.onnx', // DepthToSpace, opset 15
      'subpixelcnn/super_resolution.onnx', // RTR with Constant shapes, opset 10
      'onnx-tutorials/super_resolution.onnx', // RTR with shape attributes, IR 1, legacy broadcast Add
      'ort-inference-examples/supres.onnx', // RTR inside custom pre/post-processing
      'ort-inference-examples/pytorch_superresolution_with_pre_post_processing_op18.onnx', // DepthToSpace inside pre/post-processing
    ];
    const summaries = forms.map((form) =>
      analyze(form).report.groups.map((g) => {
        const { channels, unit, prunable } = shapeOf(g);
        return { channels, unit, prunable };
      }),
    );
    const expected = [
      { channels: 64, unit: 1, prunable: true },
      { channels: 64, unit: 1, prunable: true },
      { channels: 32, unit: 1, prunable: true },
      { channels: 9, unit: 9, prunable: false },
    ];
    summaries.forEach((summary, i) => assert.deepEqual(summary, expected, forms[i]));
  });

  test('ShuffleNet and FastestDet channel shuffles are never reported as pixel shuffles', () => {
    for (const form of ['onnx-light/light_shufflenet.onnx', 'ort-extensions/FastestDet.onnx']) {
      const a = analyze(form);
      assert.deepEqual(
        a.report.groups.flatMap((g) => g.pixelShuffle),
        [],
        form,
      );
      assert.ok(!a.report.diagnostics.some((d) => ['PS001', 'PS002', 'PS003'].includes(d.code)), form);
    }
    assert.equal(
      analyze('onnx-light/light_shufflenet.onnx').report.diagnostics.filter((d) => d.code === 'PR002').length,
      16,
    );
  });

  test('the expanded DepthToSpace tests are recognised with the right mode and blocksize', () => {
    const cases: [string, string][] = [
      ['onnx-node-pr8156/test_depthtospace_crd_mode_example_expanded/model.onnx', 'CRD'],
      ['onnx-node-pr8156/test_depthtospace_dcr_nonsquare_expanded/model.onnx', 'DCR'],
      ['onnx-node-pr8156/test_depthtospace_example_expanded/model.onnx', 'DCR'],
    ];
    for (const [form, mode] of cases) {
      const a = analyze(form);
      const finding = a.report.diagnostics.find((d) => d.code === 'PS002');
      assert.ok(finding, form);
      assert.match(finding.message, new RegExp(`pixel shuffle \\(${mode}, r=2\\)`), form);
      const shuffle = a.state.shuffles[0].info;
      assert.deepEqual(
        [shuffle.form, shuffle.mode, shuffle.blocksize],
        ['ReshapeTransposeReshape', mode, 2],
        form,
      );
    }
  });

  test('the model with missing external data analyses, with IO001', () => {
    const a = analyze('espcn-webcam/performance_espcn_x2.onnx');
    assert.ok(a.report.diagnostics.some((d) => d.code === 'IO001' && /espcn_x2\.onnx\.data/.test(d.message)));
  });
});
