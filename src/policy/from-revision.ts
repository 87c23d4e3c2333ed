import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, posix, relative, sep } from 'node:path';
import { UserError } from '../errors.js';
import { runGit } from '../exec/git.js';
import { describeFailure } from '../exec/run-command.js';
import { SHIPPED_POLICY_NAMES } from './policies-dir.js';
import { invalid, parsePolicyText } from './read-policy-file.js';

/**
 * The policy as a trusted revision has it (on pull requests: the PR's base commit),
 * copied out of git into a private directory, so the gate that judges a PR is the
 * one the base branch agreed on: a PR that edits the policy, a file it `extends`, or
 * the Semgrep rules it points at cannot loosen its own gate.
 *
 * Everything is read from git objects with plumbing (no working tree, no filters):
 * the top file, each file of its `extends` chain, and every file of each
 * `scanners.semgrep.rulesDir`, written at the same repository-relative paths under
 * `dest`, so `loadPolicy(file)` resolves `extends` and `rulesDir` exactly as it
 * would in the checkout. A reference that leaves the repository (`../../x`) or an
 * entry that is a symlink or submodule is refused: the copy must be a closed world.
 */
export interface RevisionPolicy {
  /** The copied top file under `dest`: give it to loadPolicy. */
  file: string;
  /** Repository-relative path (forward slashes) of the top file. */
  repoPath: string;
  /** Repository-relative paths of what the policy is made of: the chain's files and the rules folders. */
  paths: string[];
}

const MAX_CHAIN = 16;
// The same cap as a policy file on disk (read-policy-file.ts).
const MAX_POLICY_BYTES = 1024 * 1024;
// A rules folder is a few dozen small YAML files; these bound a hostile or mistaken one.
const MAX_RULE_FILES = 1000;
const MAX_RULE_BYTES = 32 * 1024 * 1024;

interface TreeEntry {
  mode: string;
  type: string;
  oid: string;
  path: string;
}

/** The repository-relative path of `abs` (inside `workspace`), and the repository's top folder. */
async function repoLocation(workspace: string, abs: string): Promise<{ top: string; repoPath: string }> {
  const r = await runGit(workspace, ['rev-parse', '--show-toplevel', '--show-prefix'], {
    maxOutputBytes: 64 * 1024,
  });
  if (r.exitCode !== 0) {
    throw new UserError('GIT_FAILED', `${workspace} is not a git checkout: ${describeFailure(r)}`);
  }
  const [top = '', prefix = ''] = r.stdout.split('\n');
  const rel = relative(workspace, abs).split(sep).join('/');
  return { top, repoPath: checkInside(posix.normalize(prefix + rel), abs) };
}

/** Refuses a path that leaves the repository: the copy must not read (or write) outside it. */
function checkInside(repoPath: string, label: string): string {
  if (repoPath === '..' || repoPath.startsWith('../') || posix.isAbsolute(repoPath) || repoPath === '.') {
    throw invalid(label, `refers to ${JSON.stringify(repoPath)}, which is outside the repository`);
  }
  return repoPath;
}

function parseTree(stdout: string): TreeEntry[] {
  return stdout
    .split('\0')
    .filter(Boolean)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [mode = '', type = '', oid = ''] = line.slice(0, tab).split(' ');
      return { mode, type, oid, path: line.slice(tab + 1) };
    });
}

async function lsTree(top: string, commit: string, path: string, recursive: boolean): Promise<TreeEntry[]> {
  const r = await runGit(top, [
    '--literal-pathspecs', // a path with `*` or `:(…)` is a name, not a pattern
    'ls-tree',
    '-z',
    '--full-tree',
    ...(recursive ? ['-r'] : []),
    '--end-of-options',
    commit,
    '--',
    path,
  ]);
  if (r.exitCode !== 0 || r.stdoutTruncated) {
    throw new UserError('GIT_FAILED', `listing ${path} at ${commit} failed: ${describeFailure(r)}`);
  }
  return parseTree(r.stdout);
}

function checkRegular(e: TreeEntry, label: string): void {
  if (e.type !== 'blob' || (e.mode !== '100644' && e.mode !== '100755')) {
    const what =
      e.mode === '120000' ? 'a symlink' : e.type === 'commit' ? 'a submodule' : 'not a regular file';
    throw invalid(label, `${e.path} is ${what} at the trusted revision; only regular files are read`);
  }
}

async function readBlob(top: string, e: TreeEntry, cap: number, label: string): Promise<string> {
  const r = await runGit(top, ['cat-file', 'blob', e.oid], { maxOutputBytes: cap + 1 });
  if (r.exitCode !== 0) throw new UserError('GIT_FAILED', `reading ${e.path}: ${describeFailure(r)}`);
  if (r.stdoutBytes > cap) throw invalid(label, `${e.path} is larger than ${cap} bytes`);
  return r.stdout;
}

/**
 * The folder a copy was written into, from the copied top file and its repository
 * path: the copy's whole world, which loadPolicy takes as its `root` (a policy read
 * from a revision may name only what was copied beside it).
 */
export function revisionCopyRoot(file: string, repoPath: string): string {
  const parts = repoPath.split('/');
  let root = file;
  for (let i = 0; i < parts.length; i++) root = dirname(root);
  if (join(root, ...parts) !== file) throw new Error(`${file} is not a copy of ${repoPath}`);
  return root;
}

async function writeInto(dest: string, repoPath: string, text: string): Promise<string> {
  const file = join(dest, ...repoPath.split('/'));
  await mkdir(join(file, '..'), { recursive: true, mode: 0o700 });
  await writeFile(file, text, { mode: 0o600 });
  return file;
}

/** The file's `extends` and `rulesDir`, repository-relative, each checked to stay inside. */
function referencesOf(raw: Record<string, unknown>, repoPath: string, label: string) {
  const dir = posix.dirname(repoPath);
  let extendsPath: string | undefined;
  const ref = raw.extends;
  if (typeof ref === 'string' && !(SHIPPED_POLICY_NAMES as readonly string[]).includes(ref)) {
    if (isAbsolute(ref) || posix.isAbsolute(ref) || /^[A-Za-z][A-Za-z0-9+.-]*:/.test(ref)) {
      throw invalid(label, `extends: expected a shipped name or a relative path, got ${JSON.stringify(ref)}`);
    }
    extendsPath = checkInside(posix.normalize(posix.join(dir, ref)), `${label}: extends`);
  }
  const rules = (raw.scanners as { semgrep?: { rulesDir?: unknown } } | undefined)?.semgrep?.rulesDir;
  const rulesDir =
    typeof rules === 'string'
      ? checkInside(posix.normalize(posix.join(dir, rules)), `${label}: scanners.semgrep.rulesDir`)
      : undefined;
  return { extendsPath, rulesDir };
}

async function copyRulesDir(top: string, commit: string, dir: string, dest: string, label: string) {
  const entries = await lsTree(top, commit, `${dir}/`, true);
  if (entries.length > MAX_RULE_FILES) throw invalid(label, `${dir} holds more than ${MAX_RULE_FILES} files`);
  let total = 0;
  for (const e of entries) {
    checkRegular(e, label);
    const text = await readBlob(top, e, MAX_RULE_BYTES, label);
    total += Buffer.byteLength(text);
    if (total > MAX_RULE_BYTES) throw invalid(label, `${dir} holds more than ${MAX_RULE_BYTES} bytes`);
    await writeInto(dest, e.path, text);
  }
}

/**
 * Copies the policy `policyFile` (an absolute path inside `workspace`) as it is at
 * `commit` into `dest` (an empty private folder). Throws POLICY_NOT_FOUND when the
 * file does not exist at that commit, POLICY_INVALID for a file that does not parse
 * or a reference that leaves the repository.
 */
export async function copyPolicyAtRevision(opts: {
  workspace: string;
  commit: string;
  policyFile: string;
  dest: string;
}): Promise<RevisionPolicy> {
  const { top, repoPath } = await repoLocation(opts.workspace, opts.policyFile);
  const paths: string[] = [];
  const seen = new Set<string>();
  let file: string | undefined;
  let next: string | undefined = repoPath;
  while (next !== undefined && !seen.has(next)) {
    if (seen.size >= MAX_CHAIN) throw invalid(repoPath, `extends: more than ${MAX_CHAIN} levels deep`);
    seen.add(next);
    const label = `${next} at ${opts.commit.slice(0, 12)}`;
    const [entry] = await lsTree(top, opts.commit, next, false);
    if (!entry || entry.path !== next) {
      throw new UserError(
        'POLICY_NOT_FOUND',
        `policy file ${next} does not exist at the trusted revision ${opts.commit}` +
          (next === repoPath ? ' (a policy a pull request adds takes effect after merge)' : ''),
      );
    }
    checkRegular(entry, label);
    const text = await readBlob(top, entry, MAX_POLICY_BYTES, label);
    const raw = parsePolicyText(text, label);
    const written = await writeInto(opts.dest, next, text);
    file ??= written;
    paths.push(next);
    const refs = referencesOf(raw, next, label);
    if (refs.rulesDir !== undefined && !paths.includes(refs.rulesDir)) {
      await copyRulesDir(top, opts.commit, refs.rulesDir, opts.dest, label);
      paths.push(refs.rulesDir);
    }
    next = refs.extendsPath;
  }
  // A cycle stops the copy; loadPolicy names it when it reads the copy.
  return { file: file!, repoPath, paths };
}
