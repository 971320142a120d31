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
