import type { z } from 'zod';

/**
 * Turns a zod issue into the words a policy author can act on: the field path as
 * they would write it (`levels.rules[2].level`) and what was expected
 * (`expected one of low|high|blocked, got "medium"`).
 */

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

export function fieldPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && IDENTIFIER.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(String(seg))}]`;
  }
  return out || '(top level)';
}

/** A short, safe rendering of a value from the file (it may be huge or odd). */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function typeName(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${show(value)}`;
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
      return `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')} (a typo? see docs/policy.md for the fields)`;
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
      return `invalid key ${show(input)}: ${issue.issues.map((i) => expectation(i)).join('; ')}`;
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
