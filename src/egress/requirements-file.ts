import { realpath } from 'node:fs/promises';
import { resolve } from 'node:path';
import { UserError } from '../errors.js';
import { openInScope, type PolicyScope, resolveInScope } from '../policy/policy-scope.js';

/**
 * The install phase's requirements file (docs/egress.md, "Install phase"): named by the
 * policy, but its text comes from the checkout, so on a pull request it is the PR's:
 * hostile input. It is read on the host, inside the workspace (the policy-scope helpers:
 * no `..`, no link out, no `.git`), capped, and accepted only when every requirement is
 * an exact pin with at least one hash. pip never reads this file: it reads the canonical
 * copy `canonicalRequirements` writes, so an option line (`--index-url`, `-r other`,
 * `--trusted-host`, `-e .`), a URL or a path can never reach it.
 */

/** A lock for a few hundred packages with several hashes each fits well below this. */
export const MAX_REQUIREMENTS_BYTES = 256 * 1024;
export const MAX_REQUIREMENTS = 500;

export interface PinnedRequirement {
  /** As written (case kept), e.g. `Airlock-Demo`. */
  name: string;
  /** PEP 503 normalized: lower case, runs of `-_.` as one `-`. */
  key: string;
  extras: string[];
  version: string;
  /** `sha256:<hex>` (or sha384/sha512), lower case. */
  hashes: string[];
  /** 1-based line where the requirement starts, for messages. */
  line: number;
}

const NAME = /^([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9])$/;
const EXTRA = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
// A PEP 440 version as written after `==`: no wildcard (`1.*` is not a pin), no spaces.
const VERSION = /^[0-9][A-Za-z0-9.+!_-]*$/;
const HASH_LENGTHS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const EXPECTED = 'expected "name==version --hash=sha256:<64 hex digits>" (more --hash options may follow)';

export function normalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

function fail(label: string, line: number, detail: string): UserError {
  return new UserError('INSTALL_REQUIREMENTS_INVALID', `requirements file ${label}: line ${line}: ${detail}`);
}

/** Joins `\` continuations and drops comments; keeps each logical line's first line number. */
function logicalLines(text: string): { line: number; text: string }[] {
  const out: { line: number; text: string }[] = [];
  let current: { line: number; text: string } | undefined;
  text.split(/\r?\n/).forEach((raw, i) => {
    // A comment starts at `#` at the line's start or after whitespace (pip's rule).
    const noComment = raw.replace(/(^|\s)#.*$/, '$1');
    const continued = /\\\s*$/.test(noComment);
    const body = continued ? noComment.replace(/\\\s*$/, '') : noComment;
    current = current ? { line: current.line, text: `${current.text} ${body}` } : { line: i + 1, text: body };
    if (!continued) {
      if (current.text.trim()) out.push(current);
      current = undefined;
    }
  });
  if (current?.text.trim()) out.push(current);
  return out;
}

function parseRequirement(label: string, line: number, text: string): PinnedRequirement {
  const words = text.trim().split(/\s+/);
  const spec = words[0] ?? '';
  if (spec.startsWith('-')) {
    throw fail(label, line, `${EXPECTED}; options are not accepted (the index comes from the policy)`);
  }
  const m = /^([^[=<>!~;@ ]+)(?:\[([^\]]*)\])?==([^=;@ ]+)$/.exec(spec);
  if (!m) {
    const why = /[;@]|:\/\//.test(text)
      ? 'environment markers, URLs and paths are not accepted'
      : 'not an exact pin';
    throw fail(label, line, `${EXPECTED}; ${why}`);
  }
  const [, name = '', extrasText, version = ''] = m;
  if (!NAME.test(name)) throw fail(label, line, `${EXPECTED}; the package name is not a valid name`);
  if (!VERSION.test(version))
    throw fail(label, line, `${EXPECTED}; the version of ${name} is not an exact version`);
  const extras = extrasText === undefined ? [] : extrasText.split(',').map((e) => e.trim());
  if (extras.some((e) => !EXTRA.test(e)))
    throw fail(label, line, `${EXPECTED}; an extra is not a valid name`);
  const hashes: string[] = [];
  for (const w of words.slice(1)) {
    const h = /^--hash=(sha256|sha384|sha512):([0-9a-fA-F]+)$/.exec(w);
    if (!h || h[2]?.length !== HASH_LENGTHS[h[1] as string]) {
      throw fail(label, line, `${EXPECTED}; only --hash=<algorithm>:<hex digest> may follow the pin`);
    }
    hashes.push(`${h[1]}:${(h[2] as string).toLowerCase()}`);
  }
  if (hashes.length === 0) throw fail(label, line, `${EXPECTED}; no --hash given for ${name}`);
  return { name, key: normalizeName(name), extras, version, hashes, line };
}

/** Parses the text of a requirements file; `label` names it in errors (workspace-relative). */
export function parseRequirements(text: string, label: string): PinnedRequirement[] {
  const reqs: PinnedRequirement[] = [];
  const seen = new Map<string, number>();
  for (const l of logicalLines(text)) {
    const r = parseRequirement(label, l.line, l.text);
    const first = seen.get(r.key);
    if (first !== undefined) throw fail(label, l.line, `${r.name} is pinned twice (first on line ${first})`);
    seen.set(r.key, l.line);
    reqs.push(r);
    if (reqs.length > MAX_REQUIREMENTS) {
      throw fail(label, l.line, `more than ${MAX_REQUIREMENTS} requirements`);
    }
  }
  if (reqs.length === 0) {
    throw new UserError(
      'INSTALL_REQUIREMENTS_INVALID',
      `requirements file ${label}: no requirements (${EXPECTED}, one per line)`,
    );
  }
  return reqs;
}

/** The file pip reads: one requirement per line, exactly what was checked. */
export function canonicalRequirements(reqs: readonly PinnedRequirement[]): string {
  return reqs
    .map((r) => {
      const extras = r.extras.length ? `[${r.extras.join(',')}]` : '';
      return `${r.name}${extras}==${r.version} ${r.hashes.map((h) => `--hash=${h}`).join(' ')}\n`;
    })
    .join('');
}

/**
 * Reads `ref` (workspace-relative, as the policy names it) inside `workspace`, at most
 * `maxBytes`, as UTF-8; `naming` is the policy and field that name it, for the scope's
 * refusals (POLICY_INVALID / POLICY_NOT_FOUND: outside the workspace, a link out, missing).
 */
export async function readWorkspaceText(
  workspace: string,
  ref: string,
  naming: { label: string; field: string },
  maxBytes: number,
): Promise<string> {
  const real = await realpath(workspace).catch(() => resolve(workspace));
  const scope: PolicyScope = { roots: [real], named: [resolve(workspace), real] };
  const where = { ...naming, ref };
  const file = await resolveInScope(scope, resolve(workspace, ref), where);
  const handle = await openInScope(scope, file, where);
  const bad = (detail: string) =>
    new UserError('INSTALL_REQUIREMENTS_INVALID', `${naming.field} ${ref}: ${detail}`);
  try {
    if (!(await handle.stat()).isFile()) throw bad('expected a regular file');
    const buf = Buffer.alloc(maxBytes + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > maxBytes) throw bad(`larger than ${maxBytes} bytes`);
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, bytesRead));
    } catch {
      throw bad('not valid UTF-8');
    }
  } finally {
    await handle.close();
  }
}

/** Reads and parses the requirements file `ref` in `workspace` (readWorkspaceText's rules). */
export async function readRequirementsFile(
  workspace: string,
  ref: string,
  naming: { label: string; field: string },
): Promise<PinnedRequirement[]> {
  return parseRequirements(await readWorkspaceText(workspace, ref, naming, MAX_REQUIREMENTS_BYTES), ref);
}
