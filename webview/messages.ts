// Messages between the model editor's page and the extension host. Both sides import these types.

/** From the page: the user pressed a finding's Fix button. */
export interface FixMessage {
  type: 'fix';
  code: 'PS002' | 'PS003';
  node?: string;
  title: string;
}

export type PageMessage = FixMessage;

export function isPageMessage(value: unknown): value is PageMessage {
  const m = value as Partial<FixMessage> | null;
  return (
    typeof m === 'object' &&
    m !== null &&
    m.type === 'fix' &&
    (m.code === 'PS002' || m.code === 'PS003') &&
    typeof m.title === 'string' &&
    (m.node === undefined || typeof m.node === 'string')
  );
}
