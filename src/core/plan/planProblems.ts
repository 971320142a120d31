// What is wrong with a plan's text, said for people: JSON syntax errors (jsonc-parser's codes) and schema
// violations (Ajv's errors, collapsed per `layers` entry to what the user wrote), each with the path of the part
// to point at. parsePlan.ts turns them into PL000 findings with ranges.
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import schema from '../../../schemas/prune-plan.schema.json';
import { type Node, type ParseError, printParseErrorCode } from './jsonc';
import { pushAll } from '../lists';

const SETTINGS = ['ratio', 'prune', 'indices', 'exclude'] as const;
const SETTING_LIST = '"ratio", "prune", "indices" or "exclude"';

let validator: ValidateFunction | undefined;

function validate(value: unknown): ErrorObject[] {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  return validator(value) ? [] : [...(validator.errors ?? [])];
}

function pointerPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

export const q = (s: unknown): string => JSON.stringify(s);

function subject(path: readonly string[]): string {
  if (path.length === 0) return 'The plan';
  if (path[0] === 'layers' && path.length >= 2) {
    const layer = q(path[1]);
    if (path.length === 2) return `The entry of layer ${layer}`;
    if (path.length === 3) return `${q(path[2])} of layer ${layer}`;
    if (path.length === 4 && path[2] === 'indices')
      return `Element ${path[3]} of "indices" of layer ${layer}`;
  }
  return path.map(q).join(' › ');
}

function article(type: string): string {
  if (type === 'integer') return 'an integer';
  if (type === 'object' || type === 'array') return `an ${type}`;
  return `a ${type}`;
}

export interface SchemaProblem {
  path: string[];
  /** Where the range goes: the value at `path`, the key of the property at `path`, or the plan's `{`. */
  at: 'value' | 'key' | 'open';
  message: string;
}

function rule(error: ErrorObject, path: readonly string[]): string {
  const p = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'type':
      return `must be ${article(String(p.type))}`;
    case 'minimum':
      return `must be at least ${p.limit}`;
    case 'exclusiveMinimum':
      return `must be greater than ${p.limit}`;
    case 'maximum':
      return `must be at most ${p.limit}`;
    case 'exclusiveMaximum':
      return `must be less than ${p.limit}`;
    case 'enum':
      return `must be one of ${(p.allowedValues as unknown[]).map(q).join(', ')}`;
    case 'const':
      if (path[2] === 'exclude')
        return 'must be true (to prune the layer, give "ratio", "prune" or "indices")';
      return `must be ${q(p.allowedValue)}`;
    case 'pattern':
      if (path[0] === 'modelSha256') return "must be 64 hexadecimal digits (the model file's SHA-256)";
      return `must match ${p.pattern}`;
    case 'minLength':
      return 'must not be empty';
    default:
      return error.message ?? 'is not valid';
  }
}

export const TOP_LEVEL = Object.keys(schema.properties);

function describeError(error: ErrorObject): SchemaProblem {
  const path = pointerPath(error.instancePath);
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'required' && path.length === 0) {
    const missing = String(p.missingProperty);
    return {
      path,
      at: 'open',
      message:
        missing === 'model'
          ? `The plan has no "model": add "model": "<file>.onnx", the model's path relative to the plan's folder.`
          : `The plan has no ${q(missing)}.`,
    };
  }
  if (error.keyword === 'additionalProperties' && path.length === 0) {
    const name = String(p.additionalProperty);
    return {
      path: [name],
      at: 'key',
      message: `Unknown property ${q(name)} in the plan: the known ones are ${TOP_LEVEL.join(', ')}. Remove it or correct its name.`,
    };
  }
  return { path, at: 'value', message: `${subject(path)} ${rule(error, path)}.` };
}

const ONE_OF = '#/properties/layers/additionalProperties/oneOf';

/** The errors of one `layers` entry, collapsed from the oneOf branches to what the user wrote. */
function describeEntry(name: string, value: unknown, errors: ErrorObject[]): SchemaProblem[] {
  const path = ['layers', name];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return [
      {
        path,
        at: 'value',
        message: `The entry of layer ${q(name)} must be an object: one of { "ratio": r }, { "prune": n }, { "indices": [...] }, { "exclude": true }.`,
      },
    ];
  }
  const keys = Object.keys(value);
  const unknown = keys.filter((k) => !(SETTINGS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    return unknown.map((k) => ({
      path: [...path, k],
      at: 'key',
      message: `Unknown setting ${q(k)} for layer ${q(name)}: use exactly one of ${SETTING_LIST}.`,
    }));
  }
  if (keys.length === 0) {
    return [
      { path, at: 'value', message: `The entry of layer ${q(name)} is empty: give one of ${SETTING_LIST}.` },
    ];
  }
  if (keys.length > 1) {
    return [
      {
        path,
        at: 'value',
        message: `The entry of layer ${q(name)} gives ${keys.map(q).join(' and ')}: keep exactly one of them.`,
      },
    ];
  }
  const branch = `${ONE_OF}/${SETTINGS.indexOf(keys[0] as (typeof SETTINGS)[number])}/`;
  return errors.filter((e) => e.schemaPath.startsWith(branch)).map(describeError);
}

export function schemaProblems(value: unknown): SchemaProblem[] {
  const errors = validate(value);
  const byEntry = new Map<string, ErrorObject[]>();
  const problems: SchemaProblem[] = [];
  for (const error of errors) {
    const path = pointerPath(error.instancePath);
    if (error.schemaPath.startsWith(ONE_OF) && path[0] === 'layers' && path.length >= 2) {
      const list = byEntry.get(path[1]!) ?? [];
      list.push(error);
      byEntry.set(path[1]!, list);
    } else problems.push(describeError(error));
  }
  const layers = (value as { layers?: Record<string, unknown> }).layers ?? {};
  for (const [name, list] of byEntry) pushAll(problems, describeEntry(name, layers[name], list));
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${p.path.join('\u0000')}|${p.at}|${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

const SYNTAX: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'a property name (a string in double quotes) was expected',
  ValueExpected: 'a value was expected',
  ColonExpected: 'a colon was expected',
  CommaExpected: 'a comma was expected',
  CloseBraceExpected: 'a closing brace } was expected',
  CloseBracketExpected: 'a closing bracket ] was expected',
  EndOfFileExpected: 'the end of the file was expected',
  InvalidCommentToken: 'invalid comment',
  UnexpectedEndOfComment: 'the comment is not closed',
  UnexpectedEndOfString: 'the string is not closed',
  UnexpectedEndOfNumber: 'the number is not complete',
  InvalidUnicode: 'invalid unicode escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string',
};

export function syntaxMessage(error: ParseError): string {
  const name = printParseErrorCode(error.error);
  return SYNTAX[name] ?? name;
}

export function kindOf(node: Node): string {
  if (node.type === 'string' || node.type === 'number' || node.type === 'boolean') return `a ${node.type}`;
  if (node.type === 'null') return 'null';
  return `an ${node.type}`;
}
