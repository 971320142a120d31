import { Attributes } from './attributes';
import type { NodeTable } from './nodeTable';
import type { onnx } from './proto/onnx.js';

/** What a node reads of its graph: the graph's message (for its own) and the model's opsets. */
export interface NodeGraph {
  readonly proto: onnx.GraphProto.$Properties;
  readonly model: { readonly opsets: ReadonlyMap<string, number> };
}

/**
 * A node of a graph, read from the graph's node table (nodeTable.ts): its name, op type, domain, inputs, outputs
 * and attributes, as the graph view and the analysis read them, without a message per node. The graph view's
 * NodeView is this with its graph typed as the view (modelView.ts).
 */
export class NodeRow {
  private attributeCache: Attributes | undefined;

  constructor(
    /** The graph's nodes as columns (nodeTable.ts): this node is row `index` of it. */
    private readonly table: NodeTable,
    readonly index: number,
    readonly graph: NodeGraph,
  ) {}

  /**
   * The node's message (the graph's `node` list: for a graph read from a file, made on first use from its
   * node table). The analysis reads a node through the view; an edit needs the message itself.
   */
  get proto(): onnx.NodeProto.$Properties {
    return (this.table.protos[this.index] ??= (this.graph.proto.node ?? [])[this.index]);
  }

  /** The node name, or `#<index>` for unnamed nodes (the plan file's key for them). */
  get name(): string {
    return this.table.names[this.index] || `#${this.index}`;
  }

  /** The name the node was given ('' for none). */
  get givenName(): string {
    return this.table.names[this.index] ?? '';
  }

  get attributes(): Attributes {
    return (this.attributeCache ??= new Attributes(this.attributeList));
  }

  /** The attribute messages, in the node's order. */
  get attributeList(): readonly onnx.AttributeProto.$Properties[] {
    return this.table.attributes[this.index] ?? [];
  }

  /** The function overload the node calls ('' for none: a node of the table holds none). */
  get overload(): string {
    return this.table.protos[this.index]?.overload ?? '';
  }

  get opType(): string {
    return this.table.opTypes[this.index] ?? '';
  }

  /** '' for the default ONNX domain ('ai.onnx' is normalised to ''). */
  get domain(): string {
    return normaliseDomain(this.table.domains[this.index] ?? '');
  }

  get inputs(): readonly string[] {
    return this.table.inputs[this.index] ?? NONE;
  }

  get outputs(): readonly string[] {
    return this.table.outputs[this.index] ?? NONE;
  }

  /** The opset version this node binds to. */
  get opset(): number | undefined {
    return this.graph.model.opsets.get(this.domain);
  }
}

const NONE: readonly string[] = Object.freeze([]);

/** 'ai.onnx' is the default domain, written as ''. */
export function normaliseDomain(domain: string): string {
  return domain === 'ai.onnx' ? '' : domain;
}
