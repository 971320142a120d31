import type * as Ort from 'onnxruntime-node';
import type { SessionSettings } from '../protocol/runtime';

/**
 * The options of every session the ONNX Runtime worker creates.
 *
 * Severity 3 (errors only): ORT's warnings about unused initializers and the like would flood stderr.
 *
 * No spinning: by default a session's pool threads spin on a core for a while after each run, waiting for more
 * work. The worker keeps two or more sessions and runs them one after the other (the original and the pruned
 * model, paired, for the latency verdict; the layer-by-layer probes), so the session that just ran spins on a
 * core the next one needs. On this 2-core machine, ResNet-50 alternated with its 0.25 prune took 75–77 ms a run
 * with spinning against 43 ms alone, and a quarter of the pairs had the pruned model slower; without it 46–53
 * ms, and the middle half of the paired ratios 0.57–0.62 instead of 0.45–1.13 (2026-12-07). Alone, a session
 * runs as fast either way.
 */
export function sessionOptions(settings: SessionSettings | undefined): Ort.InferenceSession.SessionOptions {
  return {
    logSeverityLevel: 3,
    ...settings,
    // ORT reads `extra` as session config entries, its keys joined by dots: session.intra_op.allow_spinning.
    extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } },
  };
}
