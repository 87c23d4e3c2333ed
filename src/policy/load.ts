import { createHash } from 'node:crypto';
import { realpath } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import canonicalize from 'canonicalize';
import { UserError } from '../errors.js';
import { DEFAULT_PROFILES, DEFAULT_SEMGREP_RULES_DIR } from './defaults.js';
import { describeIssue, quoteRef } from './describe-issue.js';
import { mergePolicies } from './merge.js';
import {
  isShippedName,
  policiesDir,
  resolvePolicyRef,
  SHIPPED_POLICY_NAMES,
  shippedPolicyPath,
} from './policies-dir.js';
import { checkFolderInScope, type PolicyScope, policyScope, resolveInScope } from './policy-scope.js';
import { invalid, type Naming, type PolicyFile, readPolicyFile } from './read-policy-file.js';
import { type PolicyDocument, PolicySchema } from './schema.js';

/** The effective policy: every field filled, `extends` resolved, paths absolute. */
export type Policy = Omit<PolicyDocument, 'extends' | 'name' | 'scanners'> & {
  /** The policy's `name:`, else its file name without extension. */
  name: string;
  /** Every registered scanner's section (src/scan/registry.ts); Semgrep's rules folder made absolute. */
  scanners: Omit<PolicyDocument['scanners'], 'semgrep'> & {
    semgrep: Omit<PolicyDocument['scanners']['semgrep'], 'rulesDir'> & { rulesDir: string };
  };
  source: {
    /** Real path of the file that was loaded. */
    path: string;
    /** That file first, then what it extends, and so on. */
    chain: string[];
  };
};

/** Deeper than any sane hierarchy; stops a long chain of files from being a work amplifier. */
const MAX_EXTENDS_DEPTH = 16;

function resolveExtends(ref: string, from: string): string {
  if (isShippedName(ref)) return shippedPolicyPath(ref);
  // The ref is shown as the policy wrote it: that file passed validation, so it is a policy.
  // Only relative paths: a policy checked into one repository must mean the same on every machine.
  if (isAbsolute(ref) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) {
    throw invalid(
      from,
      `extends: expected a shipped name (${SHIPPED_POLICY_NAMES.join('|')}) or a path relative to this file, got ${quoteRef(ref)}`,
    );
  }
  return resolve(dirname(from), ref);
}

/** The file and its ancestors, child first, every one read inside the scope. */
async function readChain(file: string, scope: PolicyScope): Promise<PolicyFile[]> {
  const chain: PolicyFile[] = [];
  const seen = new Set<string>();
  let next: string | undefined = file;
  let naming: Naming = { label: file, field: 'policy file', ref: file };
  while (next !== undefined) {
    const current: PolicyFile = await readPolicyFile(scope, next, naming);
    if (seen.has(current.path)) {
      const names = [...chain.map((f) => f.path), current.path].join(' -> ');
      throw invalid(file, `extends: cycle ${names}`);
    }
    seen.add(current.path);
    chain.push(current);
    if (chain.length > MAX_EXTENDS_DEPTH)
      throw invalid(file, `extends: more than ${MAX_EXTENDS_DEPTH} levels deep`);
    const ref = current.raw.extends;
    next = typeof ref === 'string' ? resolveExtends(ref, current.path) : undefined;
    naming = { label: current.path, field: 'extends', ref: String(ref) };
  }
  return chain;
}

/**
 * A layer as merged: no `extends`/`name` (they describe the file, not settings),
 * rulesDir made absolute and checked to be a plain folder inside the scope.
 */
async function toLayer(file: PolicyFile, scope: PolicyScope): Promise<Record<string, unknown>> {
  const { extends: _e, name: _n, ...settings } = file.raw;
  const semgrep = (settings.scanners as { semgrep?: { rulesDir?: string } } | undefined)?.semgrep;
  if (semgrep?.rulesDir !== undefined) {
    // Relative to the file that names it, so an extended policy keeps pointing at its own rules.
    const naming = { label: file.path, field: 'scanners.semgrep.rulesDir', ref: semgrep.rulesDir };
    if (isAbsolute(semgrep.rulesDir)) {
      throw invalid(file.path, 'scanners.semgrep.rulesDir: expected a folder relative to this file');
    }
    const dir = await resolveInScope(scope, resolve(dirname(file.path), semgrep.rulesDir), naming);
    await checkFolderInScope(scope, dir, naming);
    const scanners = settings.scanners as Record<string, unknown>;
    settings.scanners = { ...scanners, semgrep: { ...semgrep, rulesDir: dir.path } };
  }
  return settings;
}

/** Checks that need the merged whole: references between sections. */
function checkReferences(doc: PolicyDocument, label: string): void {
  const names = Object.keys(doc.profiles);
  for (const level of ['low', 'high'] as const) {
    const setting = doc.execute[level];
    if (!setting.run) continue;
    if (setting.profile === undefined) {
      throw invalid(label, `execute.${level}.profile: expected a profile name when run is true`);
    }
    if (!names.includes(setting.profile)) {
      throw invalid(
        label,
        `execute.${level}.profile: expected one of ${names.join('|')} (the profiles defined), got ${JSON.stringify(setting.profile)}`,
      );
    }
    // An install phase needs egress: a level that would get one without it could never install.
    const noEgress = level === 'high' ? setting.egress !== true : setting.egress === false;
    if (doc.profiles[setting.profile]?.install && noEgress) {
      throw invalid(
        label,
        `execute.${level}.egress: profile ${setting.profile} has an install phase, which needs egress: expected egress: true (or a profile without install)`,
      );
    }
  }
}

/**
 * Loads a policy (default: the shipped policies/default.yml; `default`/`strict` name
 * the shipped files, anything else is a path, relative to the process's directory),
 * follows its `extends` chain, merges (src/policy/merge.ts) over the built-in defaults
 * and validates the result. Throws `UserError` POLICY_NOT_FOUND / POLICY_INVALID with
 * the file, the field path and what was expected.
 *
 * `root` is the workspace (for a pull request, the private copy of the base commit's
 * files; default: the process's directory, as for the CLI): the policy and every file it names must be inside it or the shipped
 * policies folder (src/policy/policy-scope.ts says why and how).
 */
export async function loadPolicy(
  file?: string,
  opts: { root: string } = { root: process.cwd() },
): Promise<Policy> {
  const top = file === undefined ? shippedPolicyPath('default') : resolvePolicyRef(file, process.cwd());
  const { scope, namedOutside } = await policyScope(top, opts.root);
  // A file the operator named outside the workspace: "not found" is about their own path.
  if (
    namedOutside &&
    !(await realpath(top).then(
      () => true,
      () => false,
    ))
  ) {
    throw new UserError('POLICY_NOT_FOUND', `policy file ${top} not found`);
  }
  const chain = await readChain(top, scope);
  let merged: Record<string, unknown> = { profiles: structuredClone(DEFAULT_PROFILES) };
  for (const layer of [...chain].reverse()) merged = mergePolicies(merged, await toLayer(layer, scope));

  const label =
    chain.length > 1
      ? `${top} (with extends: ${chain
          .slice(1)
          .map((f) => f.path)
          .join(' -> ')})`
      : top;
  const parsed = PolicySchema.safeParse(merged, { reportInput: true });
  if (!parsed.success) throw invalid(label, parsed.error.issues.slice(0, 5).map(describeIssue).join('; '));
  const doc = parsed.data;
  checkReferences(doc, label);

  const { extends: _e, name: _n, ...settings } = doc;
  const topRaw = chain[0]!.raw;
  return {
    ...settings,
    name: typeof topRaw.name === 'string' ? topRaw.name : basename(top, extname(top)),
    scanners: {
      ...doc.scanners,
      semgrep: { ...doc.scanners.semgrep, rulesDir: doc.scanners.semgrep.rulesDir ?? defaultRulesDir() },
    },
    source: { path: chain[0]!.path, chain: chain.map((f) => f.path) },
  };
}

function defaultRulesDir(): string {
  return join(policiesDir(), DEFAULT_SEMGREP_RULES_DIR);
}

/**
 * SHA-256 (hex) of the effective policy: RFC 8785 canonical JSON of every setting.
 * Where the policy lives (`source`) is left out, and the Semgrep rules folder is
 * taken relative to the policy file, so the same checkout hashes the same on every
 * machine; a change anywhere in the `extends` chain changes the hash.
 */
export function policySha256(policy: Policy): string {
  const { source, ...settings } = policy;
  const rulesDir = portableRulesDir(source.path, policy.scanners.semgrep.rulesDir);
  const hashed = {
    ...settings,
    scanners: { ...settings.scanners, semgrep: { ...settings.scanners.semgrep, rulesDir } },
  };
  const text = canonicalize(hashed);
  if (text === undefined) throw new Error('policy could not be canonicalized');
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/**
 * The rules folder as the hash sees it: the shipped rules (the default) by their place
 * in the shipped policies folder, wherever the policy file itself lies (on a pull
 * request the base commit's policy is read from a temporary folder, on a push from the
 * checkout: both must hash alike, or no push's scan is ever reused on a pull request);
 * a folder of the user's relative to the policy file. Its files are hashed apart
 * (src/cache/cache-key.ts, the rules digest).
 */
function portableRulesDir(policyFile: string, rulesDir: string): string {
  const portable = (from: string) => relative(from, rulesDir).split(sep).join('/');
  const shipped = portable(policiesDir());
  if (shipped !== '..' && !shipped.startsWith('../') && !isAbsolute(shipped)) return `airlock:${shipped}`;
  return portable(dirname(policyFile));
}
