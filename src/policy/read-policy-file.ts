import { constants } from 'node:fs';
import { open, realpath } from 'node:fs/promises';
import { parseDocument } from 'yaml';
import { UserError } from '../errors.js';
import { describeIssue } from './describe-issue.js';
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

async function readCapped(file: string): Promise<{ path: string; text: string }> {
  let real: string;
  try {
    real = await realpath(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      throw new UserError('POLICY_NOT_FOUND', `policy file ${file} not found`, { cause: e });
    }
    throw new UserError('POLICY_INVALID', `policy file ${file} cannot be read (${code ?? String(e)})`, {
      cause: e,
    });
  }
  // O_NONBLOCK: a FIFO named as a policy must not hang the gate in open().
  const handle = await open(real, constants.O_RDONLY | constants.O_NONBLOCK).catch(
    (e: NodeJS.ErrnoException) => {
      throw new UserError('POLICY_INVALID', `policy file ${file} cannot be read (${e.code ?? String(e)})`, {
        cause: e,
      });
    },
  );
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw invalid(file, 'expected a regular file');
    const buf = Buffer.alloc(MAX_POLICY_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_POLICY_BYTES) throw invalid(file, `larger than ${MAX_POLICY_BYTES} bytes`);
    const text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(
      buf.subarray(0, bytesRead),
    );
    return { path: real, text };
  } catch (e) {
    if (e instanceof TypeError) throw invalid(file, 'not valid UTF-8');
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
    throw invalid(
      label,
      `${where}not valid YAML (${yamlError.code}: ${yamlError.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')})`,
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (e) {
    throw invalid(label, `YAML could not be expanded (${(e as Error).message.split('\n')[0]})`);
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

export async function readPolicyFile(file: string): Promise<PolicyFile> {
  const { path, text } = await readCapped(file);
  return { path, raw: parsePolicyText(text, file) };
}
