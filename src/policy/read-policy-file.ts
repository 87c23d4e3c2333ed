import { parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import { describeIssue } from './describe-issue.js';
import { openInScope, type PolicyScope, resolveInScope } from './policy-scope.js';
import { PolicySchema } from './schema.js';

/**
 * Reads and validates ONE policy file, before any `extends` merging, so an error
 * names the file it is in. Returns the file's own (raw, validated) mapping: merging
 * works on what the author wrote, not on defaults filled in, or a child would
 * override its parent's values with defaults it never mentioned.
 */

/** A policy is a page of settings; a bigger file is a mistake (or an attack on the parser). */
const MAX_POLICY_BYTES = 1024 * 1024;
/** Bounds YAML alias expansion ("billion laughs"). */
const MAX_ALIAS_COUNT = 100;
const MAX_ISSUES_SHOWN = 5;

export interface PolicyFile {
  /** Real path of the file. */
  path: string;
  raw: Record<string, unknown>;
}

export function invalid(file: string, detail: string): UserError {
  return new UserError('POLICY_INVALID', `policy ${file}: ${detail}`);
}

/** Where a file was named from, for errors: the policy, the field, the reference as written. */
export interface Naming {
  label: string;
  field: string;
  ref: string;
}

async function readCapped(
  scope: PolicyScope,
  file: string,
  naming: Naming,
): Promise<{ path: string; text: string }> {
  const resolved = await resolveInScope(scope, file, naming);
  const handle = await openInScope(scope, resolved, naming);
  const label = naming.field === 'policy file' ? naming.label : resolved.path;
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw invalid(label, 'expected a regular file');
    const buf = Buffer.alloc(MAX_POLICY_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_POLICY_BYTES) throw invalid(label, `larger than ${MAX_POLICY_BYTES} bytes`);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      buf.subarray(0, bytesRead),
    );
    return { path: resolved.path, text };
  } catch (e) {
    if (e instanceof TypeError) throw invalid(label, 'not valid UTF-8');
    throw e;
  } finally {
    await handle.close();
  }
}

/** Parses YAML text into a validated raw mapping; `label` names the file in errors. */
export function parsePolicyText(text: string, label: string): Record<string, unknown> {
  // YAML 1.2 core schema (the package's default): `2027-01-31` stays a string, `<<` is
  // an ordinary (and therefore unknown) key, and duplicate keys are errors.
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true });
  const yamlError = doc.errors[0];
  if (yamlError) {
    const pos = yamlError.linePos?.[0];
    const where = pos ? `line ${pos.line}, column ${pos.col}: ` : '';
    // The parser's own message can quote the text (a tag, an escape, a header), so only
    // its code and position are shown: the file may not be a policy at all.
    throw invalid(label, `${where}not valid YAML (${yamlError.code})`);
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch {
    throw invalid(label, `YAML aliases could not be expanded within the limit of ${MAX_ALIAS_COUNT}`);
  }
  const parsed = PolicySchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, MAX_ISSUES_SHOWN).map(describeIssue).join('; ');
    const more = issues.length > MAX_ISSUES_SHOWN ? ` (and ${issues.length - MAX_ISSUES_SHOWN} more)` : '';
    throw invalid(label, shown + more);
  }
  return raw as Record<string, unknown>;
}

/**
 * Reads one policy file that `naming` names, refusing anything outside `scope`
 * (src/policy/policy-scope.ts). Errors name the file by its real path, which is inside
 * the scope, and never quote its text (describe-issue.ts).
 */
export async function readPolicyFile(scope: PolicyScope, file: string, naming: Naming): Promise<PolicyFile> {
  const { path, text } = await readCapped(scope, file, naming);
  return { path, raw: parsePolicyText(text, naming.field === 'policy file' ? naming.label : path) };
}
