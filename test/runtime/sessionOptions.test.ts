// The worker's sessions never spin: an idle session's spinning pool threads took the cores the next session's
// run needed (docs/performance.md, Verification). ONNX Runtime cannot be asked for a session's config entries,
// so the options are checked here; every verify test loads sessions with them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { sessionOptions } from '../../src/runtime/sessionOptions';

test('sessions are made without spinning threads, with the caller’s settings and errors-only logging', () => {
  const options = sessionOptions({ intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
  assert.deepEqual(options.extra, {
    session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } },
  });
  assert.equal(options.intraOpNumThreads, 2);
  assert.equal(options.graphOptimizationLevel, 'all');
  assert.equal(options.logSeverityLevel, 3);
  assert.deepEqual(sessionOptions(undefined).extra, options.extra);
});
