import { hash, type KeyObject } from 'node:crypto';
import { constants, fstatSync, lstatSync, type Stats, writeSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import { writeFileAtomic } from './atomic-file.js';
import { type AuditEntry, checkEntryLine, encodeEntry } from './canonical-line.js';
import { signCheckpoint, unsignedCheckpoint } from './checkpoint.js';
import { acquireLock, type LockHandle } from './lock.js';
import { checkCheckpoint, loadLog } from './log-state.js';
import { recoverInterruptedRotation } from './maintenance.js';
import { openNoFollow } from './reader.js';
import { type ChainTip, scanAppended } from './scan.js';
import type { LogLayout } from './segments.js';
import type { WriterMarker } from './sessions.js';
import { readLogCheckpoint } from './verify.js';
import type { AppendResult, AuditWriter, CloseResult, OpenAuditLogOptions } from './writer.js';

/**
 * An open audit log: appends entries at the chain's tip and signs the checkpoint on
 * close. Made only by openAuditLog (writer.ts), which verifies and repairs the log first.
 * Each append takes the log's lock and catches up with what other writers appended, so
 * parallel gates share one log; the lock is never held between appends.
 */
export class Writer implements AuditWriter {
  readonly origin: string;
  private firstSeq: number | undefined;
  private readonly appended: AppendResult[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'closed' | 'failed' = 'open';

  constructor(
    private readonly layout: LogLayout,
    private readonly opts: OpenAuditLogOptions,
    private readonly privateKey: KeyObject | undefined,
    private readonly publicKey: KeyObject | undefined,
    private readonly marker: WriterMarker,
    private fh: FileHandle,
    private tip: ChainTip,
    private readonly now: () => Date,
  ) {
    this.origin = opts.origin;
  }

  get size(): number {
    return this.tip.size;
  }

  /** Serialises calls: entries are numbered and linked in call order. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Runs `job` holding the log's lock, after catching up with what other writers appended. */
  private async locked<T>(job: () => Promise<T>): Promise<T> {
    const lock: LockHandle = await acquireLock(this.layout.lockPath, { timeoutMs: this.opts.lockTimeoutMs });
    try {
      await this.catchUp();
      return await job();
    } finally {
      await lock.release();
    }
  }

  /**
   * Brings `tip` to the log's real end. The common case (others appended) reads only
   * the new bytes; anything else (rotated, replaced, shrunk, a torn line) re-verifies
   * the whole log and requires it to still hold everything this writer saw.
   */
  private async catchUp(): Promise<void> {
    // Synchronous stats for the same reason as the write below: this runs per append.
    const mine = fstatSync(this.fh.fd);
    const onDisk = lstatOrNull(this.layout.logPath);
    const same = onDisk?.isFile() === true && onDisk.ino === mine.ino && onDisk.dev === mine.dev;
    if (same && onDisk.size === this.tip.activeBytes) return;
    if (same && onDisk.size > this.tip.activeBytes) {
      const checkpoint = await readLogCheckpoint(this.layout);
      checkCheckpoint(checkpoint, { origin: this.origin, publicKey: this.publicKey, log: this.opts.log });
      const r = await scanAppended(this.layout, this.origin, this.tip, checkpoint);
      if (!r.tornTail) {
        this.tip = r.tip;
        return;
      }
    }
    const known = { origin: this.origin, size: this.tip.size, root: this.tip.tree.root() };
    await recoverInterruptedRotation(this.layout);
    const loaded = await loadLog(
      this.layout,
      { origin: this.origin, publicKey: this.publicKey, log: this.opts.log },
      known,
    );
    if (!same) {
      await this.fh.close();
      this.fh = await openNoFollow(
        this.layout.logPath,
        constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
      );
    }
    this.tip = loaded.tip;
    for (const r of loaded.recovered) await this.appendLocked('audit.recovered', r);
  }

  append(kind: string, data: Record<string, unknown>, time?: string): Promise<AppendResult> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new Error(`audit log writer is ${this.state}`);
      return this.locked(() => this.appendLocked(kind, data, time));
    });
  }

  /** One entry at the tip; the caller holds the lock and has caught up. */
  async appendLocked(kind: string, data: Record<string, unknown>, time?: string): Promise<AppendResult> {
    const entry: AuditEntry = {
      v: 1,
      seq: this.tip.size,
      prev: this.tip.lastHash,
      time: time ?? this.now().toISOString(),
      kind,
      data,
    };
    const line = encodeEntry(entry);
    // Prove the verifier will accept it (depth caps, canonical form) before it is on disk.
    checkEntryLine(line.subarray(0, line.length - 1), entry.seq);
    try {
      // One write of the whole line on an O_APPEND fd; a crash can only tear the tail.
      // Synchronous on purpose: a few hundred bytes into the page cache take
      // microseconds, while an async write costs a thread-pool round trip per entry
      // (about 10x the append throughput; the fsync below stays async).
      let off = 0;
      while (off < line.length) off += writeSync(this.fh.fd, line, off);
      if (this.opts.syncEachAppend ?? true) await this.fh.datasync();
    } catch (e) {
      this.state = 'failed';
      throw e;
    }
    const result = { seq: entry.seq, hash: hash('sha256', line, 'hex') };
    const tree = this.tip.tree;
    tree.push(line.subarray(0, line.length - 1));
    this.tip = {
      size: entry.seq + 1,
      lastHash: result.hash,
      tree,
      activeBytes: this.tip.activeBytes + line.length,
    };
    this.firstSeq ??= entry.seq;
    this.appended.push(result);
    return result;
  }

  /** Signs (with a key) and atomically writes the checkpoint over the tip; the caller holds the lock. */
  async writeCheckpointLocked(): Promise<{ checkpoint: string; root: Buffer }> {
    await this.fh.sync();
    const root = this.tip.tree.root();
    const body = { origin: this.origin, size: this.tip.size, root };
    const checkpoint =
      this.privateKey && this.publicKey
        ? signCheckpoint(body, this.privateKey, this.publicKey)
        : unsignedCheckpoint(body);
    await writeFileAtomic(this.layout.checkpointPath, checkpoint);
    return { checkpoint, root };
  }

  close(): Promise<CloseResult> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new Error(`audit log writer is ${this.state}`);
      this.state = 'closed';
      try {
        const { checkpoint, root } = await this.locked(async () => {
          // A checkpoint another writer signed meanwhile is never replaced by an unsigned
          // one (AUDIT_KEY_REQUIRED), nor one for another origin.
          checkCheckpoint(await readLogCheckpoint(this.layout), {
            origin: this.origin,
            publicKey: this.publicKey,
            log: this.opts.log,
          });
          const written = await this.writeCheckpointLocked();
          await this.marker.remove();
          return written;
        });
        return {
          checkpoint,
          signed: this.privateKey !== undefined,
          size: this.tip.size,
          root: root.toString('base64'),
          firstSeq: this.firstSeq ?? this.tip.size,
          appended: [...this.appended],
        };
      } finally {
        await this.fh.close().catch(() => undefined);
        await this.marker.remove();
      }
    });
  }

  abort(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === 'closed') return;
      this.state = 'closed';
      await this.fh.close().catch(() => undefined);
      await this.marker.remove();
    });
  }
}

/** The log file's lstat, or null when it is gone (then the log is re-verified). */
function lstatOrNull(path: string): Stats | null {
  try {
    return lstatSync(path);
  } catch {
    return null;
  }
}
