// The channel block of ONNX Runtime's CPU convolutions, as read from the processor's feature flags.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockOfFlags, detectChannelBlock, flagsOfCpuinfo } from '../../src/runtime/channelBlock';

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
