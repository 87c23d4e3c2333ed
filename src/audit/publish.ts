import type { KeyObject } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AirlockError, UserError, VerificationError } from '../errors.js';
import { minimalEnv, runCommand, tryRunCommand } from '../exec/run-command.js';
import { type AuditEntry, parseEntryLine } from './canonical-line.js';
import type { RotationOptions } from './maintenance.js';
import { readLines } from './reader.js';
import { layoutOf, listClosedSegments } from './segments.js';
import { openAuditLog } from './writer.js';

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
  /** Folder on the branch holding `log.jsonl`, `checkpoint` and segments. Default `audit`. */
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
  /** More files to commit beside the log (e.g. `smoke.json`), paths relative to `dir`. */
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

/** Entries with seq >= fromSeq from a local log (closed segments, then the active file). */
export async function readRunEntries(log: string, fromSeq: number): Promise<PublishOptions['entries']> {
  const layout = layoutOf(log);
  const out: PublishOptions['entries'] = [];
  let seq = 0;
  const onLine = (line: Buffer): void => {
    const e = parseEntryLine(line, seq);
    seq = e.seq + 1;
    if (e.seq >= fromSeq) out.push({ time: e.time, kind: e.kind, data: e.data });
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
  return out;
}

/** A path inside the branch folder: relative, no `..`, so extraFiles cannot write elsewhere. */
function safeRelative(path: string): string {
  const n = normalize(path);
  if (isAbsolute(n) || n === '..' || n.startsWith(`..${sep}`) || n === '.' || n.includes('\0')) {
    throw new UserError('INPUT_INVALID', `publish file path must stay inside the audit folder: ${path}`);
  }
  return n;
}

export async function publishAuditLog(opts: PublishOptions): Promise<PublishResult> {
  const branch = opts.branch ?? 'airlock-audit';
  const folder = safeRelative(opts.dir ?? 'audit');
  if (opts.remote.startsWith('-') || !/^[A-Za-z0-9._/-]+$/.test(branch) || branch.startsWith('-')) {
    throw new UserError('INPUT_INVALID', 'audit remote or branch name is not acceptable');
  }
  const extra = (opts.extraFiles ?? []).map((f) => ({ ...f, path: safeRelative(f.path) }));
  const who = opts.committer ?? DEFAULT_COMMITTER;
  const env = minimalEnv({
    GIT_TERMINAL_PROMPT: '0',
    // Hermetic: no system or global config (hooks, signing, rewrites) leaks in.
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_AUTHOR_NAME: who.name,
    GIT_AUTHOR_EMAIL: who.email,
    GIT_COMMITTER_NAME: who.name,
    GIT_COMMITTER_EMAIL: who.email,
    ...opts.gitEnv,
  });
  const maxAttempts = opts.maxAttempts ?? 6;
  let lastFailure = '';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    const work = await mkdtemp(join(tmpdir(), 'airlock-audit-'));
    const git = (args: string[], ok?: number[]) =>
      runCommand(
        'git',
        ['-C', work, '-c', 'core.hooksPath=/dev/null', '-c', 'commit.gpgsign=false', ...args],
        {
          env,
          timeoutMs: GIT_TIMEOUT_MS,
          code: 'GIT_FAILED',
          okExitCodes: ok,
        },
      );
    try {
      await git(['init', '-q', `--initial-branch=${branch}`]);
      await git(['remote', 'add', 'origin', '--', opts.remote]);
      const heads = await git(['ls-remote', '--heads', 'origin', `refs/heads/${branch}`]);
      if (heads.stdout.trim() !== '') {
        await git(['fetch', '-q', 'origin', `refs/heads/${branch}`]);
        await git(['checkout', '-q', '-B', branch, 'FETCH_HEAD']);
      }
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
      for (const f of extra) {
        const target = join(work, folder, f.path);
        await mkdir(dirname(target), { recursive: true });
        await writeFile(target, f.content);
      }
      await git(['add', '-A', '--', folder]);
      const message = opts.message ?? `audit: ${opts.entries.length} entries, checkpoint size ${closed.size}`;
      await git(['commit', '-q', '--no-verify', '-m', message]);
      const push = await tryRunCommand(
        'git',
        ['-C', work, 'push', '-q', 'origin', `HEAD:refs/heads/${branch}`],
        {
          env,
          timeoutMs: GIT_TIMEOUT_MS,
        },
      );
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
