import { hash, type KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AirlockError, UserError, VerificationError } from '../errors.js';
import { runGit, runGitOk } from '../exec/git.js';
import { type AuditEntry, parseEntryLine } from './canonical-line.js';
import type { RotationOptions } from './maintenance.js';
import { readLines } from './reader.js';
import { layoutOf, listClosedSegments } from './segments.js';
import { type AppendResult, openAuditLog } from './writer.js';

/**
 * Publishes a run's entries to a dedicated branch (default `airlock-audit`) with the
 * git CLI, in a throwaway clone (the user's working tree is never touched):
 * fetch the branch, append the entries onto its log (re-linked: new seq and prev, the
 * original time, kind and data), sign the checkpoint, commit, push without force.
 *
 * Concurrent runs race on the push. The loser's push is rejected (not a fast-forward);
 * it starts again from the branch's new head, so every entry lands exactly once and
 * the chain never forks. Bounded attempts with jittered exponential backoff, then
 * AUDIT_PUBLISH_FAILED. A branch log that does not verify is not retried: it fails
 * with its verification error, because appending to it would launder the tampering.
 */
export interface PublishOptions {
  /** Repository URL or path (`origin`). Credentials go in `gitEnv`, never in logs. */
  remote: string;
  branch?: string;
  /** Folder on the branch holding `log.jsonl`, `log.jsonl.checkpoint` and segments. Default `audit`. */
  dir?: string;
  origin: string;
  /**
   * Signs the branch's checkpoint. Without a key (neither field) the branch log is
   * extended with an unsigned checkpoint; a branch whose checkpoint is signed refuses
   * (AUDIT_KEY_REQUIRED) rather than lose its signature.
   */
  signingKey?: KeyObject;
  signingKeyPem?: string;
  entries: Pick<AuditEntry, 'time' | 'kind' | 'data'>[];
  /**
   * More files to commit beside the log, paths relative to `dir`: content the caller
   * produced in this run, never a file read back from the workspace (a pull request can
   * put anything there).
   */
  extraFiles?: { path: string; content: string | Uint8Array }[];
  committer?: { name: string; email: string };
  maxAttempts?: number;
  /** Extra git environment, e.g. GIT_CONFIG_COUNT/KEY/VALUE for an auth header. */
  gitEnv?: NodeJS.ProcessEnv;
  rotation?: RotationOptions;
  message?: string;
}

export interface PublishResult {
  commit: string;
  checkpoint: string;
  /** False when published without a key: the branch's checkpoint is unsigned. */
  signed: boolean;
  size: number;
  root: string;
  /** The seq the first published entry got on the branch. */
  firstSeq: number;
  attempts: number;
}

const DEFAULT_COMMITTER = { name: 'airlock[bot]', email: 'airlock[bot]@users.noreply.github.com' };
const GIT_TIMEOUT_MS = 120_000;

/**
 * This run's entries from a local log (closed segments, then the active file): those the
 * writer reported appending (`CloseResult.appended`), each checked against the hash it
 * had when written. Other runs may have appended to the same log in between; and a line
 * changed since it was written is refused (AUDIT_INCONSISTENT), never published.
 */
export async function readRunEntries(
  log: string,
  appended: readonly AppendResult[],
): Promise<PublishOptions['entries']> {
  const layout = layoutOf(log);
  const want = new Map(appended.map((a) => [a.seq, a.hash]));
  const fromSeq = Math.min(...want.keys());
  const out: PublishOptions['entries'] = [];
  let seq = 0;
  const onLine = (line: Buffer, withNewline: Buffer): void => {
    const e = parseEntryLine(line, seq);
    seq = e.seq + 1;
    const expected = want.get(e.seq);
    if (expected === undefined) return;
    if (hash('sha256', withNewline, 'hex') !== expected) {
      throw new VerificationError(
        'AUDIT_INCONSISTENT',
        `entry ${e.seq} of ${log} changed after this run wrote it`,
        e.seq,
      );
    }
    want.delete(e.seq);
    out.push({ time: e.time, kind: e.kind, data: e.data });
  };
  const segments = await listClosedSegments(layout);
  for (const [i, s] of segments.entries()) {
    if ((segments[i + 1]?.firstSeq ?? Number.POSITIVE_INFINITY) <= fromSeq) continue;
    seq = s.firstSeq;
    await readLines(s.path, onLine, { gzip: true, firstSeq: s.firstSeq });
  }
  await readLines(log, onLine, { firstSeq: seq }).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
  if (want.size > 0) {
    const missing = Math.min(...want.keys());
    throw new VerificationError('AUDIT_TRUNCATED', `entry ${missing} of ${log} is gone`, missing);
  }
  return out;
}

/** A path inside the branch folder: relative, no `..`, so extraFiles cannot write elsewhere. */
export function safeRelative(path: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`) || n === '.' || n.includes('\0')) {
    throw new UserError('INPUT_INVALID', `publish file path must stay inside the audit folder: ${path}`);
  }
  return n;
}

export function checkRemote(remote: string, branch: string): void {
  if (remote.startsWith('-') || !/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-')) {
    throw new UserError('INPUT_INVALID', 'audit remote or branch name is not acceptable');
  }
}

/** A fresh repository in `work` with the branch's head checked out (nothing when the branch does not exist yet). */
export async function checkoutBranch(
  work: string,
  remote: string,
  branch: string,
  env: NodeJS.ProcessEnv,
  /** Only the head commit (a read-only look at the branch: its history is not needed). */
  shallow = false,
) {
  const git = (args: string[]) => runGitOk(work, args, { env, timeoutMs: GIT_TIMEOUT_MS });
  await git(['init', '-q', `--initial-branch=${branch}`]);
  await git(['remote', 'add', 'origin', '--', remote]);
  const heads = await git(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
  if (heads.stdout.trim() === '') return false;
  await git(['fetch', '-q', ...(shallow ? ['--depth=1'] : []), 'origin', `refs/heads/${branch}`]);
  await git(['checkout', '-q', '-B', branch, 'FETCH_HEAD']);
  return true;
}

/**
 * The checkpoint on the audit branch (`<dir>/log.jsonl.checkpoint`, or the older
 * `<dir>/checkpoint`), as its text; null when the branch or the file does not exist.
 * This is the checkpoint a run can trust for a log it did not write itself: the
 * branch is written only by publishing runs, never by a pull request's files.
 */
export async function fetchBranchCheckpoint(opts: {
  remote: string;
  branch?: string;
  dir?: string;
  gitEnv?: NodeJS.ProcessEnv;
}): Promise<string | null> {
  const branch = opts.branch ?? 'airlock-audit';
  const folder = safeRelative(opts.dir ?? 'audit');
  checkRemote(opts.remote, branch);
  const work = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
  try {
    if (!(await checkoutBranch(work, opts.remote, branch, opts.gitEnv ?? {}))) return null;
    const layout = layoutOf(join(work, folder, 'log.jsonl'));
    for (const path of [layout.checkpointPath, layout.legacyCheckpointPath]) {
      const text = await readFile(path, 'utf8').catch(() => null);
      if (text !== null) return text;
    }
    return null;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

export async function publishAuditLog(opts: PublishOptions): Promise<PublishResult> {
  const branch = opts.branch ?? 'airlock-audit';
  const folder = safeRelative(opts.dir ?? 'audit');
  checkRemote(opts.remote, branch);
  const extra = (opts.extraFiles ?? []).map((f) => ({ ...f, path: safeRelative(f.path) }));
  const who = opts.committer ?? DEFAULT_COMMITTER;
  // On top of the hardened git environment (src/exec/git.ts: no system or global
  // config, no hooks, no prompts): who commits, and the caller's auth header.
  const env = {
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    ...opts.gitEnv,
  };
  const maxAttempts = opts.maxAttempts ?? 6;
  let lastFailure = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const work = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
    const git = (args: string[]) => runGitOk(work, args, { env, timeoutMs: GIT_TIMEOUT_MS });
    try {
      await checkoutBranch(work, opts.remote, branch, env);
      const log = join(work, folder, 'log.jsonl');
      const writer = await openAuditLog({
        log,
        origin: opts.origin,
        signingKey: opts.signingKey,
        signingKeyPem: opts.signingKeyPem,
        rotation: opts.rotation,
      });
      const firstSeq = writer.size;
      try {
        for (const e of opts.entries) await writer.append(e.kind, e.data, e.time);
      } catch (e) {
        await writer.abort();
        throw e;
      }
      const closed = await writer.close();
      // The branch folder holds this one log: its checkpoint from before checkpoints were
      // named after their log (read above as the legacy name) is now stale.
      await rm(layoutOf(log).legacyCheckpointPath, { force: true });
      for (const f of extra) {
        const target = join(work, folder, f.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, f.content);
      }
      await git(['add', '-A', '--', folder]);
      const message = opts.message ?? `audit: ${opts.entries.length} entries, checkpoint size ${closed.size}`;
      await git(['commit', '-q', '--no-verify', '-m', message]);
      const push = await runGit(work, ['push', '-q', 'origin', `HEAD:refs/heads/${branch}`], {
        env,
        timeoutMs: GIT_TIMEOUT_MS,
      });
      if (push.exitCode === 0) {
        const head = await git(['rev-parse', 'HEAD']);
        return { ...closed, commit: head.stdout.trim(), firstSeq, attempts: attempt };
      }
      // Rejected (someone pushed first) or a transient failure: start over from the new head.
      lastFailure = push.stderr.trim().split('\n').at(-1) ?? `exit ${push.exitCode}`;
    } catch (e) {
      if (e instanceof VerificationError || e instanceof UserError) throw e;
      if (!(e instanceof AirlockError)) throw e;
      lastFailure = e.message;
    } finally {
      await rm(work, { recursive: true, force: true });
    }
    // 100 ms, 200 ms, 400 ms ... plus up to 100% jitter, so racing writers spread out.
    const base = 100 * 2 ** (attempt - 1);
    if (attempt < maxAttempts) await sleep(base + Math.floor(Math.random() * base));
  }
  throw new AirlockError(
    'AUDIT_PUBLISH_FAILED',
    `could not push to ${branch} after ${maxAttempts} attempts: ${lastFailure}`,
  );
}
