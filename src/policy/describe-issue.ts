import type { z } from 'zod';

/**
 * Turns a zod issue into the words a policy author can act on: the field path as
 * they would write it (`levels.rules[2].level`) and what was expected
 * (`expected one of low|high|blocked, got text (6 characters)`).
 *
 * The file being described may not be a policy at all (`extends: ../.env`, a
 * credentials file another step left in the workspace), so what a message echoes
 * from it is bounded (docs/policy.md, "What an error shows"):
 * - a key is shown only when it looks like a field name (an identifier of at most
 *   40 characters); any other key is `[?]`, and at most 5 unknown keys are listed;
 * - a text value is never shown, only its length; numbers, booleans and null are
 *   shown (at most 24 characters), lists and mappings by their kind.
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]{0,39}$/;
const MAX_KEYS_SHOWN = 5;

/** A key from the file, as a message may show it. */
export function showKey(key: PropertyKey): string {
  return typeof key === 'string' && IDENTIFIER.test(key) ? key : '[?]';
}

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += '[?]';
  }
  return out || '(top level)';
}

/** A short, content-free rendering of a value from the file (it may be huge, odd or secret). */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `text (${[...value].length} characters)`;
  const text = String(value);
  return text.length > 24 ? `${typeof value} (${text.length} characters)` : text;
}

/**
 * A reference (an `extends` or a folder) quoted as the policy wrote it. Only for a
 * file that passed validation as a policy: its author wrote the reference.
 */
export function quoteRef(ref: string): string {
  const text = JSON.stringify(ref);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function typeName(value: unknown): string {
  if (value === undefined || value === null || typeof value === 'object' || typeof value === 'string')
    return show(value);
  return `${typeof value} ${show(value)}`;
}

function keyList(keys: readonly PropertyKey[]): string {
  const shown = keys.slice(0, MAX_KEYS_SHOWN).map(showKey).join(', ');
  return keys.length > MAX_KEYS_SHOWN ? `${shown} (and ${keys.length - MAX_KEYS_SHOWN} more)` : shown;
}

function expectation(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_value':
      return `expected one of ${issue.values.map((v) => String(v)).join('|')}, got ${show(input)}`;
    case 'invalid_type': {
      const want =
        issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : issue.expected;
      return `expected ${want}, got ${typeName(input)}`;
    }
    case 'unrecognized_keys':
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${keyList(issue.keys)} (a typo? see docs/policy.md for the fields)`;
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const cmp = issue.code === 'too_small' ? (issue.inclusive ? '>=' : '>') : issue.inclusive ? '<=' : '<';
      if (issue.origin === 'array') return `expected a list with ${cmp} ${String(bound)} entries`;
      if (issue.origin === 'string')
        return `expected text of length ${cmp} ${String(bound)}, got ${show(input)}`;
      return `expected a number ${cmp} ${String(bound)}, got ${show(input)}`;
    }
    case 'invalid_key':
      return `invalid key ${typeof input === 'string' ? showKey(input) : show(input)}: ${issue.issues.map((i) => expectation(i)).join('; ')}`;
    case 'invalid_format':
    case 'custom':
      return input === undefined || typeof input === 'object'
        ? issue.message
        : `${issue.message}, got ${show(input)}`;
    case 'not_multiple_of':
      return `expected a multiple of ${String(issue.divisor)}, got ${show(input)}`;
    default:
      return issue.message;
  }
}

export function describeIssue(issue: z.core.$ZodIssue): string {
  // An unknown key is reported at the key itself, which is where the author must look.
  const path =
    issue.code === 'unrecognized_keys' && issue.keys.length === 1
      ? [...issue.path, issue.keys[0]!]
      : issue.path;
  return `${fieldPath(path)}: ${expectation(issue)}`;
}
