import { createHash, hash, type KeyObject } from 'node:crypto';
import { constants, writeSync } from 'node:fs';
import { type FileHandle, mkdir } from 'node:fs/promises';
import { UserError, VerificationError } from '../errors.js';
import { writeFileAtomic } from './atomic-file.js';
import { type AuditEntry, checkEntryLine, encodeEntry } from './canonical-line.js';
import { signCheckpoint, unsignedCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import { loadPrivateKey, publicKeyOf } from './keys.js';
import { acquireLock, type LockHandle } from './lock.js';
import {
  DEFAULT_ROTATION,
  pruneExpired,
  type RotationOptions,
  recoverInterruptedRotation,
  rotate,
  rotationDue,
  truncateFile,
} from './maintenance.js';
import type { MerkleRightEdge } from './merkle.js';
import { openNoFollow } from './reader.js';
import { scanLog } from './scan.js';
import { layoutOf, type LogLayout, readAnchor } from './segments.js';
import { readCheckpointFile } from './verify.js';

export interface OpenAuditLogOptions {
  /** The log file (`--audit-log F`); `checkpoint`, segments and the lock live beside it. */
  log: string;
  /** The log's name, e.g. `github.com/OWNER/REPO/airlock-audit`; signs as this name. */
  origin: string;
  /**
   * The Ed25519 private key (from a secret; never logged or written by us). Without
   * one (neither this nor `signingKeyPem`) the log is still written and hash-chained,
   * and the checkpoint is the bare, unsigned body (docs/audit-format.md).
   */
  signingKey?: KeyObject;
  /** The same key as PEM text; `signingKey` wins when both are given. */
  signingKeyPem?: string;
  rotation?: RotationOptions;
  /** fsync after every entry (default true): a crash loses at most the entry being written. */
  syncEachAppend?: boolean;
  lockTimeoutMs?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface AppendResult {
  seq: number;
  /** Entry hash: SHA-256 hex of the line including `\n`. */
  hash: string;
}

export interface CloseResult {
  /** The checkpoint text, as written to `checkpoint`: publish it outside the repo. */
  checkpoint: string;
  /** False when the writer had no signing key (the checkpoint is the bare body). */
  signed: boolean;
  size: number;
  /** base64 Merkle root, as in the checkpoint. */
  root: string;
  /** The first seq this writer appended (including its own recovery entries). */
  firstSeq: number;
}

export interface AuditWriter {
  readonly origin: string;
  readonly size: number;
  /** `time` (RFC 3339 UTC) defaults to now; publishing passes an entry's original time. */
  append(kind: string, data: Record<string, unknown>, time?: string): Promise<AppendResult>;
  /** fsyncs, signs and atomically writes the checkpoint, releases the lock. */
  close(): Promise<CloseResult>;
  /** Releases the lock without signing (an error path); entries stay as an unsigned tail. */
  abort(): Promise<void>;
}

/**
 * Opens a log for appending: takes the lock, verifies what is there (a writer refuses
 * to extend a log that does not verify), repairs a torn tail or an interrupted
 * rotation, rotates and prunes, then records what it recovered as the first entries.
 */
export async function openAuditLog(opts: OpenAuditLogOptions): Promise<AuditWriter> {
  const privateKey =
    opts.signingKey ?? (opts.signingKeyPem !== undefined ? loadPrivateKey(opts.signingKeyPem) : undefined);
  const publicKey = privateKey ? publicKeyOf(privateKey) : undefined;
  const layout = layoutOf(opts.log);
  const now = opts.now ?? (() => new Date());
  const rotation = { ...DEFAULT_ROTATION, ...opts.rotation };
  await mkdir(layout.dir, { recursive: true });
  const lock = await acquireLock(layout.lockPath, { timeoutMs: opts.lockTimeoutMs });
  try {
    const recovered: Record<string, unknown>[] = [];
    if (await recoverInterruptedRotation(layout)) recovered.push({ reason: 'interrupted-rotation' });
    const checkpoint = await readCheckpointFile(layout.checkpointPath);
    if (checkpoint) {
      if (checkpoint.origin !== opts.origin) {
        throw new VerificationError(
          'AUDIT_ORIGIN_MISMATCH',
          `log is for ${checkpoint.origin}, not ${opts.origin}`,
        );
      }
      if (publicKey && checkpoint.signed) verifyCheckpointSignature(checkpoint, publicKey);
      if (!publicKey && checkpoint.signed) {
        // Extending a signed log without the key would replace its signed checkpoint
        // with an unsigned one: the earlier signature would silently stop covering it.
        throw new UserError(
          'AUDIT_KEY_REQUIRED',
          `the audit log ${opts.log} has a signed checkpoint: give its signing key to extend it, or use another log`,
        );
      }
    }
    const anchor = await readAnchor(layout);
    if (anchor && anchor.origin !== opts.origin) {
      throw new VerificationError('AUDIT_ORIGIN_MISMATCH', `anchor is for ${anchor.origin}`);
    }
    const scan = await scanLog(layout, { origin: opts.origin, anchor, checkpoint });
    if (checkpoint && scan.size < checkpoint.size) {
      throw new VerificationError(
        'AUDIT_TRUNCATED',
        `log has ${scan.size} of ${checkpoint.size} entries`,
        scan.size,
      );
    }
    if (checkpoint && !checkpoint.signed && publicKey) {
      // From here on the key signs entries it never saw signed: say so in the record.
      recovered.push({ reason: 'unsigned-checkpoint', size: checkpoint.size });
    }
    const signedSize = checkpoint?.size ?? 0;
    if (scan.size > signedSize) {
      recovered.push({ reason: 'unsigned-tail', fromSeq: signedSize, entries: scan.size - signedSize });
    }
    if (scan.active.tornTail) {
      // A crash mid-append: the last line is incomplete and was never acknowledged to
      // anyone. Cut it off, and record what was cut so nothing disappears silently.
      await truncateFile(layout.logPath, scan.active.completeBytes);
      recovered.push({
        reason: 'torn-tail',
        droppedBytes: scan.active.tornTail.length,
        droppedSha256: createHash('sha256').update(scan.active.tornTail).digest('hex'),
      });
    }
    const closed = [...scan.closed];
    if (rotationDue(scan, rotation, now())) closed.push(await rotate(layout, scan));
    const pruned = await pruneExpired(layout, opts.origin, closed, rotation.retentionDays, now());
    if (pruned) recovered.push({ reason: 'pruned', prunedTo: pruned.prunedTo, segments: pruned.segments });

    const fh = await openNoFollow(
      layout.logPath,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
    );
    const writer = new Writer(
      layout,
      opts,
      privateKey,
      publicKey,
      lock,
      fh,
      scan.size,
      scan.lastHash,
      scan.tree,
      now,
    );
    for (const r of recovered) await writer.append('audit.recovered', r);
    return writer;
  } catch (e) {
    await lock.release();
    throw e;
  }
}

class Writer implements AuditWriter {
  readonly origin: string;
  private readonly firstSeq: number;
  private queue: Promise<unknown> = Promise.resolve();
  private state: 'open' | 'closed' | 'failed' = 'open';

  constructor(
    private readonly layout: LogLayout,
    private readonly opts: OpenAuditLogOptions,
    private readonly privateKey: KeyObject | undefined,
    private readonly publicKey: KeyObject | undefined,
    private readonly lock: LockHandle,
    private readonly fh: FileHandle,
    private count: number,
    private lastHash: string,
    private readonly tree: MerkleRightEdge,
    private readonly now: () => Date,
  ) {
    this.origin = opts.origin;
    this.firstSeq = count;
  }

  get size(): number {
    return this.count;
  }

  /** Serialises calls: entries are numbered and linked in call order. */
  private enqueue<T>(job: () => Promise<T>): Promise<T> {
    const run = this.queue.then(job);
    this.queue = run.catch(() => undefined);
    return run;
  }

  append(kind: string, data: Record<string, unknown>, time?: string): Promise<AppendResult> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new Error(`audit log writer is ${this.state}`);
      const entry: AuditEntry = {
        v: 1,
        seq: this.count,
        prev: this.lastHash,
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
      this.lastHash = hash('sha256', line, 'hex');
      this.tree.push(line.subarray(0, line.length - 1));
      this.count++;
      return { seq: entry.seq, hash: this.lastHash };
    });
  }

  close(): Promise<CloseResult> {
    return this.enqueue(async () => {
      if (this.state !== 'open') throw new Error(`audit log writer is ${this.state}`);
      this.state = 'closed';
      try {
        await this.fh.sync();
        const root = this.tree.root();
        const body = { origin: this.origin, size: this.count, root };
        const checkpoint =
          this.privateKey && this.publicKey
            ? signCheckpoint(body, this.privateKey, this.publicKey)
            : unsignedCheckpoint(body);
        await writeFileAtomic(this.layout.checkpointPath, checkpoint);
        return {
          checkpoint,
          signed: this.privateKey !== undefined,
          size: this.count,
          root: root.toString('base64'),
          firstSeq: this.firstSeq,
        };
      } finally {
        await this.fh.close();
        await this.lock.release();
      }
    });
  }

  abort(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state === 'closed') return;
      this.state = 'closed';
      await this.fh.close().catch(() => undefined);
      await this.lock.release();
    });
  }
}
