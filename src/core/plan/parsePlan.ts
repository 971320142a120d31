/**
 * Reads a plan file (`*.prune.json`, design contract §4): JSON with comments and trailing commas tolerated,
 * checked against `schemas/prune-plan.schema.json`, with the text range of every part that a finding can
 * point at. Never throws: whatever is wrong with the text becomes a diagnostic.
 *
 * PL000 (error): the text is not a JSON object, has a syntax error, or does not match the schema.
 * PL009 (warning): a key is given twice (the last one wins, as in JSON.parse).
 */
import { diagnostic } from '../analyze/diagnostic';
import type { Diagnostic, TextRange } from '../analyze/types';
import type { LayerSetting } from '../prune/amounts';
import type { Criterion } from '../prune/importance';
import { type Node, type ParseError, parseTree, stripComments } from './jsonc';
import { LineIndex } from './lineIndex';
import { removeProperty } from './planEdits';
import { TOP_LEVEL, kindOf, q, schemaProblems, syntaxMessage } from './planProblems';

/** The plan file's content (design contract §4). */
export interface PrunePlan {
  $schema?: string;
  /** The model, relative to the plan's folder. */
  model: string;
  modelSha256?: string;
  criterion?: Criterion;
  ratio?: number;
  roundTo?: number;
  alignTo?: number;
  alignReason?: string;
  seed?: number;
  global?: boolean;
  targetMacs?: number;
  targetLatency?: number;
  /** Node name → setting. */
  layers?: Record<string, LayerSetting>;
}

/** What could be read of a plan that does not match the schema: the fields and layer entries that do. */
export type PartialPlan = Partial<Omit<PrunePlan, 'layers'>> & { layers: Record<string, LayerSetting> };

export interface PropertyPositions {
  /** The key, quotes included. */
  key: TextRange;
  value: TextRange;
}

export interface LayerPositions extends PropertyPositions {
  /** The value of the entry's one setting: `0.25` of `{ "ratio": 0.25 }`, the array of `indices`. */
  setting?: TextRange;
  /** Each element of `indices`. */
  indices?: TextRange[];
}

export interface PlanPositions {
  /** The top-level object. */
  root?: TextRange;
  /** Top-level properties (the last one of a repeated key). */
  properties: Map<string, PropertyPositions>;
  /** `layers` entries by node name (the last one of a repeated key). */
  layers: Map<string, LayerPositions>;
}

/** One `layers` entry as written, with its nodes in the jsonc-parser tree. */
export interface PlanLayerEntry {
  name: string;
  /** The setting, when the entry matches the schema and is not shadowed. */
  setting?: LayerSetting;
  /** A later entry has the same name (this one has no effect). */
  shadowed: boolean;
  property: Node;
  key: Node;
  value?: Node;
  /** The value node of the setting (`0.25`, the `indices` array…). */
  settingNode?: Node;
  positions: LayerPositions;
}

export interface PlanDocument {
  text: string;
  lines: LineIndex;
  /** The top-level object, when the text is one. */
  root?: Node;
  /** The plan, when the text is JSON and matches the schema. */
  plan?: PrunePlan;
  /** The valid parts, also when the plan does not match the schema (checkPlan uses these). */
  partial: PartialPlan;
  positions: PlanPositions;
  /** `layers` entries in document order, repeated names included. */
  layers: PlanLayerEntry[];
  /** Top-level property nodes by name (the last of a repeated key). */
  properties: Map<string, Node>;
  /** PL000 and PL009 findings. */
  diagnostics: Diagnostic[];
}

const MAX_SYNTAX_ERRORS = 10;

function assign(target: Record<string, unknown>, key: string, value: unknown): void {
  // A key "__proto__" is an ordinary key in JSON.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The value of a node; for repeated keys the last one wins, as in JSON.parse. */
function nodeValue(node: Node | undefined): unknown {
  if (!node) return undefined;
  switch (node.type) {
    case 'object': {
      const result: Record<string, unknown> = {};
      for (const property of node.children ?? []) {
        const [key, value] = property.children ?? [];
        if (key && value) assign(result, String(key.value), nodeValue(value));
      }
      return result;
    }
    case 'array':
      return (node.children ?? []).map(nodeValue);
    default:
      return node.value;
  }
}

/** The property of `object` named `key` (the last one when repeated). */
function propertyOf(object: Node | undefined, key: string): Node | undefined {
  if (object?.type !== 'object') return undefined;
  let found: Node | undefined;
  for (const property of object.children ?? []) if (property.children?.[0]?.value === key) found = property;
  return found;
}

/** The node at a path of keys and array indices, with the property that holds it. */
function nodeAt(root: Node, path: readonly string[]): { node?: Node; property?: Node } {
  let node: Node | undefined = root;
  let property: Node | undefined;
  for (const segment of path) {
    if (node?.type === 'object') {
      property = propertyOf(node, segment);
      node = property?.children?.[1];
    } else if (node?.type === 'array') {
      property = undefined;
      node = node.children?.[Number(segment)];
    } else return {};
  }
  return { node, property };
}

function pl000(range: TextRange, message: string): Diagnostic {
  return diagnostic('PL000', { message, range, fixes: [] });
}

function emptyDocument(text: string, lines: LineIndex, diagnostics: Diagnostic[]): PlanDocument {
  return {
    text,
    lines,
    partial: { layers: {} },
    positions: { properties: new Map(), layers: new Map() },
    layers: [],
    properties: new Map(),
    diagnostics,
  };
}

/**
 * The longest plan read, in characters. A plan of every layer of a 50,000-node model with explicit indices
 * takes about 2 MiB; a plan past this is refused whole (a 26 MB plan took 10 s and 1.8 GB to check, in the
 * language server on every edit).
 */
const MAX_PLAN_CHARS = 8 << 20;

/** Reads a plan. Never throws: what is wrong with the text is a PL000 finding. */
export function parsePlan(text: string): PlanDocument {
  if (text.length > MAX_PLAN_CHARS) {
    const lines = new LineIndex(text);
    const mib = (text.length / (1 << 20)).toFixed(1);
    return emptyDocument(text, lines, [
      pl000(
        lines.range(0, 1),
        `The plan is too large to read: ${mib} MiB of text, more than the ${MAX_PLAN_CHARS >> 20} MiB a plan may have.`,
      ),
    ]);
  }
  try {
    return readPlan(text);
  } catch (error) {
    // Pathological input, e.g. nesting deep enough to exhaust the stack of the recursive parser.
    const lines = new LineIndex(text);
    const reason = error instanceof RangeError ? 'it is nested too deeply' : String(error);
    return emptyDocument(text, lines, [
      pl000(lines.range(0, Math.min(text.length, 1)), `The plan could not be read: ${reason}.`),
    ]);
  }
}

function readPlan(text: string): PlanDocument {
  const lines = new LineIndex(text);
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, disallowComments: false });
  const rangeOf = (node: Node): TextRange => lines.range(node.offset, node.length);

  if (!root || root.type !== 'object') {
    const first = errors[0];
    let diagnostic: Diagnostic;
    if (!root && stripComments(text).trim() === '') {
      diagnostic = pl000(
        lines.range(0, text.length),
        'The plan is empty: a plan is a JSON object such as { "model": "model.onnx", "ratio": 0.5 }.',
      );
    } else if (first) {
      const at = lines.position(first.offset);
      diagnostic = pl000(
        lines.range(first.offset, Math.max(first.length, 1)),
        `This is not a JSON plan (line ${at.line + 1}, column ${at.character + 1}: ${syntaxMessage(first)}): a plan is a JSON object such as { "model": "model.onnx", "ratio": 0.5 }.`,
      );
    } else {
      diagnostic = pl000(
        rangeOf(root!),
        `A plan is a JSON object such as { "model": "model.onnx", "ratio": 0.5 }, not ${kindOf(root!)}.`,
      );
    }
    return emptyDocument(text, lines, [diagnostic]);
  }

  const diagnostics: Diagnostic[] = errors
    .slice(0, MAX_SYNTAX_ERRORS)
    .map((e) => pl000(lines.range(e.offset, e.length), `JSON syntax error: ${syntaxMessage(e)}.`));

  const value = nodeValue(root) as Record<string, unknown>;
  const problems = schemaProblems(value);
  for (const problem of problems) {
    const { node, property } = nodeAt(root, problem.path);
    let range: TextRange;
    if (problem.at === 'key' && property?.children?.[0]) range = rangeOf(property.children[0]);
    else if (problem.at === 'value' && node) range = rangeOf(node);
    else range = lines.range(root.offset, 1);
    diagnostics.push(pl000(range, problem.message));
  }

  // The valid parts.
  const prefix = (a: readonly string[], b: readonly string[]): boolean =>
    a.length <= b.length && a.every((segment, i) => b[i] === segment);
  // A problem at the path or on a parent of it (the plan's own `{` aside), or one inside it.
  const brokenAt = (path: readonly string[]): boolean =>
    problems.some((p) => p.path.length > 0 && prefix(p.path, path));
  const brokenWithin = (path: readonly string[]): boolean => problems.some((p) => prefix(path, p.path));
  const partial: PartialPlan = { layers: {} };
  for (const key of TOP_LEVEL) {
    if (key === 'layers' || value[key] === undefined || brokenWithin([key])) continue;
    assign(partial, key, value[key]);
  }
  const layerValues = value.layers;
  if (
    layerValues &&
    typeof layerValues === 'object' &&
    !Array.isArray(layerValues) &&
    !brokenAt(['layers'])
  ) {
    for (const [name, setting] of Object.entries(layerValues)) {
      if (!brokenWithin(['layers', name])) assign(partial.layers, name, setting);
    }
  }

  // Positions and entries.
  const positions: PlanPositions = { root: rangeOf(root), properties: new Map(), layers: new Map() };
  const properties = new Map<string, Node>();
  for (const property of root.children ?? []) {
    const [key, val] = property.children ?? [];
    if (!key || !val) continue;
    properties.set(String(key.value), property);
    positions.properties.set(String(key.value), { key: rangeOf(key), value: rangeOf(val) });
  }
  const layers: PlanLayerEntry[] = [];
  const layersNode = properties.get('layers')?.children?.[1];
  if (layersNode?.type === 'object') {
    const all = layersNode.children ?? [];
    const later = laterSameKeys(all);
    all.forEach((property, i) => {
      const [key, val] = property.children ?? [];
      if (!key) return;
      const name = String(key.value);
      const shadowed = later[i] !== undefined;
      const entryPositions: LayerPositions = {
        key: rangeOf(key),
        value: val ? rangeOf(val) : rangeOf(key),
      };
      let settingNode: Node | undefined;
      if (val?.type === 'object' && val.children?.length === 1) {
        settingNode = val.children[0]!.children?.[1];
        if (settingNode) entryPositions.setting = rangeOf(settingNode);
        if (settingNode?.type === 'array') entryPositions.indices = (settingNode.children ?? []).map(rangeOf);
      }
      const setting = shadowed
        ? undefined
        : (Object.getOwnPropertyDescriptor(partial.layers, name)?.value as LayerSetting | undefined);
      const entry: PlanLayerEntry = { name, shadowed, property, key, positions: entryPositions };
      if (setting) entry.setting = setting;
      if (val) entry.value = val;
      if (settingNode) entry.settingNode = settingNode;
      layers.push(entry);
      if (!shadowed) positions.layers.set(name, entryPositions);
    });
  }

  // Repeated keys: the later one wins; the earlier one is dead text.
  const repeated = (object: Node, describe: (name: string, line: number) => string): void => {
    const all = object.children ?? [];
    const laterOnes = laterSameKeys(all);
    all.forEach((property, i) => {
      const key = property.children?.[0];
      const later = laterOnes[i];
      if (!key || !later) return;
      const line = lines.position(later.offset).line + 1;
      diagnostics.push(
        diagnostic('PL009', {
          message: describe(String(key.value), line),
          range: rangeOf(key),
          fixes: [
            {
              id: 'PL009.remove',
              title: 'remove this entry',
              kind: 'plan',
              edits: removeProperty(lines, property),
            },
          ],
        }),
      );
    });
  };
  repeated(
    root,
    (name, line) =>
      `${q(name)} is given again on line ${line}; the last one wins, so this one has no effect. Remove it.`,
  );
  if (layersNode?.type === 'object') {
    repeated(
      layersNode,
      (name, line) =>
        `Layer ${q(name)} is listed again on line ${line}; the last entry wins, so this one has no effect. Remove it.`,
    );
  }

  const hasErrors = diagnostics.some((d) => d.code === 'PL000');
  const document: PlanDocument = {
    text,
    lines,
    root,
    partial,
    positions,
    layers,
    properties,
    diagnostics: sortDiagnostics(diagnostics),
  };
  if (!hasErrors && typeof partial.model === 'string') {
    const { layers: layerSettings, ...rest } = partial;
    const plan: PrunePlan = { ...rest, model: partial.model };
    if (value.layers !== undefined) plan.layers = layerSettings;
    document.plan = plan;
  }
  return document;
}

/** Diagnostics in document order (then by code). */
export function sortDiagnostics(diagnostics: Diagnostic[]): Diagnostic[] {
  const key = (d: Diagnostic): [number, number] => [
    d.range?.start.line ?? -1,
    d.range?.start.character ?? -1,
  ];
  return diagnostics.sort((a, b) => {
    const [al, ac] = key(a);
    const [bl, bc] = key(b);
    return al - bl || ac - bc || a.code.localeCompare(b.code);
  });
}

/**
 * For each property of an object, the next property with the same key (undefined: none), in one pass from the
 * end: the plan of a 50,000-node model has ten thousand layers, and the language server parses it at every
 * edit (comparing each with all after it took a second).
 */
function laterSameKeys(properties: readonly Node[]): (Node | undefined)[] {
  const later: (Node | undefined)[] = new Array<Node | undefined>(properties.length);
  const next = new Map<unknown, Node>();
  for (let i = properties.length - 1; i >= 0; i--) {
    const key = properties[i].children?.[0];
    if (!key) continue;
    later[i] = next.get(key.value);
    next.set(key.value, properties[i]);
  }
  return later;
}
