import { createHash } from 'node:crypto';
import type { ByteSource } from './byteSource';

/** SHA-256 of a whole source, read in 8 MiB pieces (a plan's `modelSha256`). */
export function sha256Of(source: ByteSource): string {
  const hash = createHash('sha256');
  const piece = 8 << 20;
  for (let at = 0; at < source.size; at += piece)
    hash.update(source.read(at, Math.min(piece, source.size - at)));
  return hash.digest('hex');
}

/** A SHA-256 being worked out while the caller does other work. */
export interface PendingHash {
  /** The hex digest; waits for it if it is not known yet. */
  value(): string;
  /** No longer wanted: waits until nothing reads the source on its behalf (call before closing the source). */
  stop(): void;
  /** Which thread worked the value out, once `value` has given it (how tests tell the two paths apart). */
  readonly hashedBy: 'worker' | 'caller' | undefined;
}

/**
 * How a caller has a source hashed: `hashWhenAsked` (here) on its own thread when the value is asked for; the
 * shells can hash large files on another thread (src/runtime/backgroundHash.ts: the core starts no threads).
 */
export type StartHash = (source: ByteSource) => PendingHash;

export const hashWhenAsked: StartHash = (source) => new CallerHash(source);

/** Hashed on the caller's thread, when first asked for. */
class CallerHash implements PendingHash {
  hashedBy: PendingHash['hashedBy'];
  private result: string | undefined;

  constructor(private readonly source: ByteSource) {}

  value(): string {
    this.hashedBy = 'caller';
    return (this.result ??= sha256Of(this.source));
  }

  stop(): void {}
}
