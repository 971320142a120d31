// The channel block of ONNX Runtime's CPU convolutions, as read from the processor's feature flags.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  blockOfFlags,
  blockOfTimings,
  detectChannelBlock,
  flagsOfCpuinfo,
  measuredAlignment,
} from '../../src/runtime/channelBlock';
import { measureChannelBlock } from '../../src/runtime/latencyLookup';
import { OrtClient } from '../../src/runtime/ortClient';
import { useFreshWorker } from './workerBundle';

const CPUINFO = (flags: string) =>
  `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbugs\t\t: sysret_ss_attrs\n\nprocessor\t: 1\nflags\t\t: fpu\n`;

test('AVX-512F gives blocks of 16, AVX2 or AVX of 8, anything else none', () => {
  assert.equal(blockOfFlags(flagsOfCpuinfo(CPUINFO('fpu sse2 avx avx2 fma avx512f avx512bw')))?.block, 16);
  assert.equal(blockOfFlags(flagsOfCpuinfo(CPUINFO('fpu sse2 avx avx2 fma')))?.block, 8);
  assert.equal(blockOfFlags(flagsOfCpuinfo(CPUINFO('fpu sse2 avx')))?.block, 8);
  assert.equal(blockOfFlags(flagsOfCpuinfo(CPUINFO('fpu sse2 sse4_2'))), undefined);
  assert.equal(blockOfFlags(flagsOfCpuinfo('processor\t: 0\nFeatures\t: fp asimd evtstrm aes\n')), undefined);
});

test('the first processor’s flags are read, and the reason says where the block comes from', () => {
  assert.ok(flagsOfCpuinfo(CPUINFO('avx2')).has('avx2'));
  assert.ok(!flagsOfCpuinfo(CPUINFO('avx2')).has('fpu sse2') && flagsOfCpuinfo(CPUINFO('avx2')).size === 1);
  assert.match(blockOfFlags(new Set(['avx512f']))!.reason, /blocks of 16 channels .*AVX-512/);
});

test('this machine: a block of 1, 8 or 16 with a reason', () => {
  const block = detectChannelBlock();
  assert.ok([1, 8, 16].includes(block.block), String(block.block));
  assert.ok(block.reason.length > 20);
  assert.equal(detectChannelBlock(), block, 'computed once per process');
});

describe('a block measured where the flags do not tell', () => {
  const channels = Array.from({ length: 17 }, (_, i) => 48 + i);
  /** Time ∝ c², with multiples of `block` a third faster per operation. */
  const timings = (block: number) => channels.map((c) => (c * c) / 1000 / (c % block === 0 ? 1.5 : 1));

  test('the largest block whose multiples run faster per operation, and whose half-multiples do not', () => {
    assert.equal(blockOfTimings(channels, timings(16)), 16);
    assert.equal(blockOfTimings(channels, timings(8)), 8, 'not 16: 56 is as fast as 48 and 64');
    assert.equal(blockOfTimings(channels, timings(4)), 4);
    assert.equal(blockOfTimings(channels, timings(1)), 1, 'no block: every count alike');
    assert.equal(blockOfTimings(channels, timings(7)), 1, 'no power of two');
  });

  test('measured in ONNX Runtime here: one of 1, 4, 8, 16', async () => {
    const client = new OrtClient({ workerPath: useFreshWorker() });
    try {
      assert.ok([1, 4, 8, 16].includes(await measureChannelBlock(client, { runs: 1 })));
    } finally {
      await client.close();
    }
  });

  test('said as measured', () => {
    assert.match(measuredAlignment(8).reason, /multiples of 8 .*measured/);
    assert.equal(measuredAlignment(1).block, 1);
  });
});
