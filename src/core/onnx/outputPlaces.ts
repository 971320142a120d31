/** What OutputPlaces needs of a node: its outputs. */
interface WithOutputs {
  readonly outputs: readonly string[];
}

/** Nodes with more outputs than this get an index of them; others are scanned (most have one to three). */
const MANY = 16;

/**
 * The place of a value among its producer's outputs. A scan for the usual few; an index, made on first use,
 * for a node of many: a Split of 40,000 outputs made each lookup of one of them scan them all (quadratic: 4 s
 * to analyse and draw it).
 */
export class OutputPlaces {
  private indexes: Map<WithOutputs, Map<string, number>> | undefined;

  /** The first place of `value` among the node's outputs, −1 when it has none of that name. */
  of(node: WithOutputs, value: string): number {
    const outputs = node.outputs;
    if (outputs.length <= MANY) {
      for (let o = 0; o < outputs.length; o++) if (outputs[o] === value) return o;
      return -1;
    }
    let places = this.indexes?.get(node);
    if (!places) {
      places = new Map();
      // Backwards, so that a name written twice keeps its first place, as the scan finds it.
      for (let o = outputs.length - 1; o >= 0; o--) if (outputs[o]) places.set(outputs[o], o);
      (this.indexes ??= new Map()).set(node, places);
    }
    return places.get(value) ?? -1;
  }
}
