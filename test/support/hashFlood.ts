/**
 * Names that all have one FNV-1a hash (from FNV-1a's public offset basis): a multicollision, what a hostile file
 * would hold to make every hash table probe one chain. Built as an attacker would: for each of `stages` steps, two
 * 5-letter blocks that take the hash from where the last step left it to one same value (a birthday search over
 * ~2^16 blocks); every choice of one block per step then ends at the same hash, 2^stages names.
 */
export const FNV_BASIS = 0x811c9dc5 | 0;

function step(hash: number, block: string): number {
  for (let i = 0; i < block.length; i++) hash = Math.imul(hash ^ block.charCodeAt(i), 0x01000193);
  return hash;
}

/** FNV-1a itself (32-bit, over UTF-16 code units), from its public basis or `basis`. */
export function fnv1a(name: string, basis = FNV_BASIS): number {
  return step(basis, name);
}

export function collidingNames(stages: number, seed = 1): string[] {
  const letters = 'abcdefghijklmnopqrstuvwxyz0123456789';
  let state = seed >>> 0 || 1;
  const next = () => {
    // xorshift32: the blocks tried are the same in every run.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % letters.length;
  };
  let hash = FNV_BASIS;
  const pairs: [string, string][] = [];
  for (let s = 0; s < stages; s++) {
    const seen = new Map<number, string>();
    for (;;) {
      let block = '';
      for (let i = 0; i < 5; i++) block += letters[next()];
      const h = step(hash, block);
      const known = seen.get(h);
      if (known !== undefined && known !== block) {
        pairs.push([known, block]);
        hash = h;
        break;
      }
      seen.set(h, block);
    }
  }
  let names = [''];
  for (const [a, b] of pairs) names = [...names.map((n) => n + a), ...names.map((n) => n + b)];
  return names;
}
