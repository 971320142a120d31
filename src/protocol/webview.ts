// Messages between the model editor's page and the extension host. Both sides import these types; the host
// checks every message from the page (isPageMessage) since the page renders untrusted model strings.
import type { PackedSkeleton } from '../shared/packedSkeleton';
import type { NodeDetails } from '../core/inspect/nodeDetails';
import type { PrunePreview } from '../core/prune/preview';
import type { AllocationTarget, PredictedOutput } from '../core/quality/allocateTarget';
import type { CompareResult, FidelityResult, SensitivityResult } from './server';
import { type ModelFixCode, isModelFixCode } from '../shared/modelFixCodes';

/** The pruning panel's form. */
export interface PanelSettings {
  /** `greedy` is data-aware: it needs ONNX Runtime and uses the calibration folder (random inputs without). */
  criterion: 'l1' | 'l2' | 'bn' | 'random' | 'greedy';
  /** `latency`: prune globally until the pruned model takes at most `value` of the original's time, measured. */
  mode: 'ratio' | 'global' | 'macs' | 'latency';
  value: number;
}

const CRITERIA = ['l1', 'l2', 'bn', 'random', 'greedy'];
const MODES = ['ratio', 'global', 'macs', 'latency'];

/** What "Allocate by sensitivity" came to: per-layer ratios written to the plan, and the predicted fidelity. */
export type AllocationReply =
  | {
      ok: true;
      target: AllocationTarget;
      /** Ratio per group's first root (groups left alone are absent). */
      ratios: Record<string, number>;
      predictedMacs: number;
      predicted: PredictedOutput[];
      reached: boolean;
    }
  | { ok: false; message: string };

/** From the page: the user pressed a finding's Fix button. */
export interface FixMessage {
  type: 'fix';
  code: ModelFixCode;
  node?: string;
  title: string;
}

export type PageMessage =
  | FixMessage
  /** The inspector wants the graph skeleton of the document's current state. */
  | { type: 'graph' }
  /** The inspector wants one node's details (weights' statistics are computed by the server). */
  | { type: 'details'; node: string; criterion?: 'l1' | 'l2' | 'bn' }
  /** Export the graph view: SVG text, or a PNG data URL. */
  | { type: 'export'; format: 'svg' | 'png'; data: string }
  /** The pruning panel: the plan beside the model, if any, with its preview. */
  | { type: 'plan' }
  /** Write `<model>.prune.json` with these settings (then preview it). */
  | { type: 'write-plan'; settings: PanelSettings }
  /** A per-layer override from the preview table: keep this many output channels of a root. */
  | { type: 'layer'; root: string; keep: number; channels: number }
  /** Leave these roots out of the plan (`exclude: true`), from a finding's Exclude Layer. */
  | { type: 'exclude'; roots: string[] }
  /** Apply the plan to this document (an undoable edit); reconstruct: refit the layers after the prune. */
  | { type: 'apply-plan'; reconstruct?: boolean }
  /** The document now against the model as opened. */
  | { type: 'compare' }
  /** Choose the calibration folder (the host asks with a folder dialog and keeps it), or forget it. */
  | { type: 'pick-calib' }
  | { type: 'clear-calib' }
  /** Run the sensitivity analysis of the document's current state (progress and Cancel in a notification). */
  | { type: 'sensitivity' }
  /** Stop the sensitivity analysis or fidelity measurement that runs. */
  | { type: 'cancel' }
  /** Turn the last sensitivity run into per-layer ratios in the plan. */
  | { type: 'allocate'; target: AllocationTarget }
  /** The document now against the model as opened, in ONNX Runtime: fidelity, pictures, latency. */
  | { type: 'fidelity' };

export type HostMessage =
  | {
      type: 'plan';
      /** The plan's file name, its form settings and preview; nothing when there is no plan yet. */
      plan?: string;
      settings?: PanelSettings;
      preview?: PrunePreview;
      message?: string;
    }
  | ({ type: 'compare' } & CompareResult)
  | ({ type: 'graph' } & ({ ok: true; skeleton: PackedSkeleton } | { ok: false; message: string }))
  | ({ type: 'details'; node: string } & (
      { ok: true; details: NodeDetails } | { ok: false; message: string }
    ))
  /** The calibration folder the host keeps (its name and path), or none: random inputs. */
  | { type: 'calib'; dir?: string }
  /** A sensitivity run started (running), or its result. */
  | { type: 'sensitivity'; running: true }
  | ({ type: 'sensitivity'; running?: false } & SensitivityResult)
  | ({ type: 'allocation' } & AllocationReply)
  | { type: 'fidelity'; running: true }
  | ({ type: 'fidelity'; running?: false } & FidelityResult);

const MAX_EXPORT = 256 << 20;

export function isPageMessage(value: unknown): value is PageMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'fix':
      return (
        isModelFixCode(m.code) &&
        typeof m.title === 'string' &&
        (m.node === undefined || typeof m.node === 'string')
      );
    case 'graph':
      return true;
    case 'details':
      return (
        typeof m.node === 'string' &&
        (m.criterion === undefined || ['l1', 'l2', 'bn'].includes(m.criterion as string))
      );
    case 'export':
      return (
        (m.format === 'svg' || m.format === 'png') && typeof m.data === 'string' && m.data.length < MAX_EXPORT
      );
    case 'exclude':
      return Array.isArray(m.roots) && m.roots.length > 0 && m.roots.every((r) => typeof r === 'string');
    case 'plan':
    case 'compare':
    case 'pick-calib':
    case 'clear-calib':
    case 'sensitivity':
    case 'cancel':
    case 'fidelity':
      return true;
    case 'apply-plan':
      return m.reconstruct === undefined || typeof m.reconstruct === 'boolean';
    case 'allocate':
      return isTarget(m.target);
    case 'write-plan': {
      const settings = m.settings as Record<string, unknown> | null;
      return (
        typeof settings === 'object' &&
        settings !== null &&
        CRITERIA.includes(settings.criterion as string) &&
        MODES.includes(settings.mode as string) &&
        typeof settings.value === 'number' &&
        Number.isFinite(settings.value)
      );
    }
    case 'layer':
      return (
        typeof m.root === 'string' &&
        Number.isInteger(m.keep) &&
        Number.isInteger(m.channels) &&
        (m.keep as number) >= 1 &&
        (m.keep as number) <= (m.channels as number)
      );
    default:
      return false;
  }
}

function isTarget(value: unknown): value is AllocationTarget {
  if (typeof value !== 'object' || value === null) return false;
  const t = value as Record<string, unknown>;
  const share = (v: unknown) => typeof v === 'number' && v > 0 && v <= 1;
  if (t.kind === 'macs' || t.kind === 'top1') return share(t.share);
  return t.kind === 'psnr' && typeof t.db === 'number' && Number.isFinite(t.db) && t.db > 0;
}
