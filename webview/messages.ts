// Messages between the model editor's page and the extension host. Both sides import these types; the host
// checks every message from the page (isPageMessage) since the page renders untrusted model strings.
import type { GraphSkeleton } from '../src/core/inspect/graphSkeleton';
import type { NodeDetails } from '../src/core/inspect/nodeDetails';

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
  | { type: 'details'; node: string }
  /** Export the graph view: SVG text, or a PNG data URL. */
  | { type: 'export'; format: 'svg' | 'png'; data: string };

export type HostMessage =
  | ({ type: 'graph' } & ({ ok: true; skeleton: GraphSkeleton } | { ok: false; message: string }))
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
      return typeof m.node === 'string';
    case 'export':
      return (
        (m.format === 'svg' || m.format === 'png') && typeof m.data === 'string' && m.data.length < MAX_EXPORT
      );
    default:
      return false;
  }
}
