import { closeSync, constants, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { link, lstat, readFile, rename, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { AirlockError } from '../errors.js';
import { pidAlive } from '../exec/pid.js';

/**
 * One appender at a time per log on a machine: a lock file created with O_CREAT|O_EXCL
 * (atomic on local filesystems), holding `<pid> <hostname>`. No new dependency, so no
 * flock. Writers hold it only while they open, append one entry or write the
 * checkpoint (milliseconds), never for a whole gate run.
 *
 * Stale locks: a writer killed with SIGKILL leaves its lock behind. If the pid in it
 * is not alive on this host, the lock is stale. Breaking it must not race with a
 * second breaker (both see "stale", one deletes the lock the other just took), so a
 * breaker first renames the stale file to a name of its own (rename is atomic: only
 * one breaker wins), re-checks what it moved, and only then deletes it.
 */
export interface LockHandle {
  release(): Promise<void>;
}

export interface LockOptions {
  /** How long to wait for a live holder before giving up with AUDIT_LOCKED. */
  timeoutMs?: number;
  /** First wait between tries; it doubles up to `maxPollMs`. */
  pollMs?: number;
  maxPollMs?: number;
}

/**
 * 60 s: a hold is milliseconds, so only a stuck holder (a process stopped, a pid reused
 * by an unrelated live process) makes a writer wait this long. Settable per run
 * (AIRLOCK_AUDIT_LOCK_TIMEOUT, settings/gate-settings.ts).
 */
export const DEFAULT_LOCK_TIMEOUT_MS = 60_000;

export async function acquireLock(path: string, opts: LockOptions = {}): Promise<LockHandle> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  const maxPoll = opts.maxPollMs ?? 200;
  let poll = opts.pollMs ?? 2;
  for (;;) {
    try {
      const me = await createOwnerFile(path);
      return { release: () => releaseLock(path, me) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    if (await breakIfStale(path)) continue;
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new AirlockError(
        'AUDIT_LOCKED',
        `another writer (${(await holder(path)) ?? 'unknown'}) held ${path} for more than ${timeoutMs} ms; set AIRLOCK_AUDIT_LOCK_TIMEOUT (seconds) to wait longer, or remove the lock after checking that process`,
      );
    }
    // Exponential backoff with jitter, so waiting writers neither spin nor retry in lockstep.
    await sleep(Math.min(left, poll + Math.floor(Math.random() * poll)));
    poll = Math.min(maxPoll, poll * 2);
  }
}

/**
 * Creates `path` (O_CREAT|O_EXCL, never through a symlink) holding `<pid> <hostname>`;
 * EEXIST when it exists. No fsync: an owner file matters only while its process lives,
 * and after a crash or power cut that pid is gone, so the file is stale either way.
 */
export async function createOwnerFile(path: string): Promise<string> {
  const me = `${process.pid} ${hostname()}\n`;
  // Synchronous on purpose (as the writer's entry write): a lock is taken per append,
  // and a thread-pool round trip per tiny file operation cost ~10x the append rate.
  const fd = openSync(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o644,
  );
  try {
    writeSync(fd, me);
  } finally {
    closeSync(fd);
  }
  return me;
}

async function holder(path: string): Promise<string | null> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch {
    return null;
  }
}

/** True if the lock was stale and we removed it. */
async function breakIfStale(path: string): Promise<boolean> {
  const content = await holder(path);
  if (content === null) return false;
  const m = /^(\d+) (\S+)$/.exec(content);
  if (m) {
    // A lock from another host (shared filesystem) cannot be judged by pid: wait for it.
    if (m[2] !== hostname() || pidAlive(Number(m[1]))) return false;
  } else {
    // Empty or garbled: a writer died between create and write. Give it a moment
    // (it may be writing right now), then treat it as stale.
    const st = await lstat(path).catch(() => null);
    if (!st || Date.now() - st.mtimeMs < 5_000) return false;
  }
  const moved = `${path}.stale.${process.pid}`;
  try {
    await rename(path, moved);
  } catch {
    return false; // someone else broke it (or released it) first
  }
  const movedContent = await holder(moved);
  if (movedContent !== content) {
    // We moved a lock taken after our check: put it back rather than steal it (link,
    // not rename, so we never clobber a lock created in the meantime).
    await link(moved, path).catch(() => undefined);
    await unlink(moved).catch(() => undefined);
    return false;
  }
  await unlink(moved).catch(() => undefined);
  return true;
}

async function releaseLock(path: string, me: string): Promise<void> {
  // Only remove the lock if it is still ours (never someone else's after a break).
  let content: string | null = null;
  try {
    content = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  if (content === me) {
    try {
      unlinkSync(path);
    } catch {
      // gone already
    }
  }
}
