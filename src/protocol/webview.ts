// Messages between the model editor's page and the extension host. Both sides import these types; the host
// checks every message from the page (isPageMessage) since the page renders untrusted model strings.
import type { PackedSkeleton } from '../shared/packedSkeleton';
import type { NodeDetails } from '../core/inspect/nodeDetails';
import type { PrunePreview } from '../core/prune/preview';
import type { CompareResult } from './server';

/** The pruning panel's form. */
export interface PanelSettings {
  criterion: 'l1' | 'l2' | 'bn' | 'random';
  mode: 'ratio' | 'global' | 'macs';
  value: number;
}

/** From the page: the user pressed a finding's Fix button. */
export interface FixMessage {
  type: 'fix';
  code: 'PS002' | 'PS003';
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
  /** Apply the plan to this document (an undoable edit). */
  | { type: 'apply-plan' }
  /** The document now against the model as opened. */
  | { type: 'compare' };

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
    ));

const MAX_EXPORT = 256 << 20;

export function isPageMessage(value: unknown): value is PageMessage {
  if (typeof value !== 'object' || value === null) return false;
  const m = value as Record<string, unknown>;
  switch (m.type) {
    case 'fix':
      return (
        (m.code === 'PS002' || m.code === 'PS003') &&
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
    case 'apply-plan':
    case 'compare':
      return true;
    case 'write-plan': {
      const settings = m.settings as Record<string, unknown> | null;
      return (
        typeof settings === 'object' &&
        settings !== null &&
        ['l1', 'l2', 'bn', 'random'].includes(settings.criterion as string) &&
        ['ratio', 'global', 'macs'].includes(settings.mode as string) &&
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
