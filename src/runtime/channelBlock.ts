// The channel block ONNX Runtime's CPU convolutions use on this machine (MLAS NchwcBlockSize): 16 where the
// processor has AVX-512F, 8 where it has AVX2 or AVX, none elsewhere. MLAS picks it from CPUID when the runtime
// loads; Node.js has no CPUID, so the same facts are read from what the operating system reports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { ChannelAlignment } from '../core/prune/align';
import type { PruneSettings } from '../core/prune/select';

/** The block for a list of CPU feature flags (lower case, as /proc/cpuinfo and sysctl name them). */
export function blockOfFlags(flags: ReadonlySet<string>): ChannelAlignment | undefined {
  if (flags.has('avx512f'))
    return {
      block: 16,
      reason:
        "ONNX Runtime's CPU convolutions work on blocks of 16 channels on this processor (AVX-512), and fall back to slower kernels for other counts",
    };
  if (flags.has('avx2') || flags.has('avx'))
    return {
      block: 8,
      reason:
        "ONNX Runtime's CPU convolutions work on blocks of 8 channels on this processor (AVX2), and fall back to slower kernels for other counts",
    };
  return undefined;
}

/** Feature flags of the first processor in /proc/cpuinfo text. */
export function flagsOfCpuinfo(text: string): Set<string> {
  const line = /^(?:flags|Features)\s*:\s*(.*)$/im.exec(text);
  return new Set((line?.[1] ?? '').toLowerCase().split(/\s+/).filter(Boolean));
}

/** The CPU feature flags the operating system reports (undefined where it reports none we can read). */
export function osFlags(): Set<string> | undefined {
  try {
    if (process.platform === 'linux') return flagsOfCpuinfo(readFileSync('/proc/cpuinfo', 'latin1'));
    if (process.platform === 'darwin' && process.arch === 'x64') {
      const text = execFileSync('sysctl', ['-n', 'machdep.cpu.features', 'machdep.cpu.leaf7_features'], {
        encoding: 'latin1',
        timeout: 2000,
      });
      return new Set(text.toLowerCase().replace(/\./g, '_').split(/\s+/).filter(Boolean));
    }
  } catch {
    // No readable feature list: decided below from the architecture alone.
  }
  return undefined;
}

let detected: ChannelAlignment | undefined;

/** This machine's channel block for ONNX Runtime's CPU execution provider (computed once per process). */
export function detectChannelBlock(): ChannelAlignment {
  if (detected) return detected;
  const flags = osFlags();
  const fromFlags = flags && blockOfFlags(flags);
  if (fromFlags) detected = fromFlags;
  else if (process.arch === 'x64' && !flags)
    detected = {
      block: 8,
      reason:
        "ONNX Runtime's CPU convolutions work on blocks of at least 8 channels on x64 processors (AVX2); this system does not say whether it has AVX-512",
    };
  else
    detected = {
      block: 1,
      reason: `this processor's flags (${process.arch}) do not tell which channel block ONNX Runtime's CPU convolutions use, so kept channel counts are not aligned (--latency-table measures it)`,
    };
  return detected;
}

/**
 * Settings with this machine's channel block when they name no alignment and no `roundTo` above 1 (someone who
 * asks for multiples of their own has chosen their counts).
 */
export function withMachineAlignment(settings: PruneSettings): PruneSettings {
  if (settings.alignment || settings.roundTo > 1) return settings;
  return { ...settings, alignment: detectChannelBlock() };
}

/**
 * The channel block that timings show (where the processor's flags say nothing, as on ARM): one 3×3 conv timed
 * with c channels in and out for consecutive c, each time per multiply-accumulate. A block b is the runtime's
 * when counts that are multiples of b run clearly faster per MAC than the others, and the odd multiples of b/2
 * do not share that (otherwise the block is smaller). The largest such b of 16, 8, 4; else 1.
 */
export function blockOfTimings(channels: readonly number[], ms: readonly number[]): number {
  const perMac = channels.map((c, i) => ms[i] / (c * c));
  const mean = (keep: (c: number) => boolean) => {
    const picked = perMac.filter((_, i) => keep(channels[i]));
    return picked.length ? picked.reduce((a, b) => a + b, 0) / picked.length : NaN;
  };
  for (const b of [16, 8, 4]) {
    const on = mean((c) => c % b === 0);
    const off = mean((c) => c % b !== 0);
    const half = mean((c) => c % b === b / 2);
    if (on < 0.85 * off && half > 1.15 * on) return b;
  }
  return 1;
}

/** The channel counts a measured block is probed at (see blockOfTimings). */
export const BLOCK_PROBE_CHANNELS = Array.from({ length: 17 }, (_, i) => 48 + i);

/** A measured block as settings carry it. */
export function measuredAlignment(block: number): ChannelAlignment {
  return block > 1
    ? {
        block,
        reason: `ONNX Runtime's CPU convolutions ran faster per operation with multiples of ${block} channels on this processor (${process.arch}; measured, as its feature flags do not tell)`,
      }
    : {
        block: 1,
        reason: `ONNX Runtime's CPU convolutions showed no faster channel block on this processor (${process.arch}; measured), so kept channel counts are not aligned`,
      };
}

/** Whether this machine's block is only assumed (not x86: no flags say what ONNX Runtime's kernels use). */
export function blockNeedsMeasuring(): boolean {
  return process.arch !== 'x64' && process.arch !== 'ia32';
}
