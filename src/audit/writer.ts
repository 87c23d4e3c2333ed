import type { KeyObject } from 'node:crypto';
import { constants } from 'node:fs';
import { type FileHandle, mkdir } from 'node:fs/promises';
import { Writer } from './append-writer.js';
import { loadPrivateKey, publicKeyOf } from './keys.js';
import { acquireLock } from './lock.js';
import { loadLog } from './log-state.js';
import {
  DEFAULT_ROTATION,
  pruneExpired,
  type RotationOptions,
  recoverInterruptedRotation,
  rotate,
  rotationDue,
} from './maintenance.js';
import { openNoFollow } from './reader.js';
import { layoutOf } from './segments.js';
import { createMarker, sweepMarkers, type WriterMarker } from './sessions.js';

export interface OpenAuditLogOptions {
  /** The log file (`--audit-log F`); `F.checkpoint`, segments and the lock live beside it. */
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
  /** How long one append waits for another writer's append (lock.ts, DEFAULT_LOCK_TIMEOUT_MS). */
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
  /** The checkpoint text, as written to `F.checkpoint`: publish it outside the repo. */
  checkpoint: string;
  /** False when the writer had no signing key (the checkpoint is the bare body). */
  signed: boolean;
  size: number;
  /** base64 Merkle root, as in the checkpoint. */
  root: string;
  /** The first seq this writer appended (including its own recovery entries). */
  firstSeq: number;
  /**
   * Every entry this writer appended, in order. Other writers may append to the same
   * log between them, so a run's entries are these, not a range from `firstSeq`.
   */
  appended: AppendResult[];
}

export interface AuditWriter {
  readonly origin: string;
  readonly size: number;
  /** `time` (RFC 3339 UTC) defaults to now; publishing passes an entry's original time. */
  append(kind: string, data: Record<string, unknown>, time?: string): Promise<AppendResult>;
  /** Signs and atomically writes the checkpoint over the whole log as it is now. */
  close(): Promise<CloseResult>;
  /** Stops without signing (an error path); entries stay as an unsigned tail. */
  abort(): Promise<void>;
}

/**
 * Opens a log for appending. Under the lock (held only for this and for each append,
 * never for a whole run, so parallel gates share one log): verifies what is there (a
 * writer refuses to extend a log that does not verify, or one with entries and no
 * checkpoint), repairs a torn tail or an interrupted rotation, rotates and prunes,
 * records what it recovered as the first entries, and gives a new log its checkpoint
 * before anything else is written.
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
  let marker: WriterMarker | undefined;
  let fh: FileHandle | undefined;
  try {
    const recovered: Record<string, unknown>[] = [];
    if (await recoverInterruptedRotation(layout)) recovered.push({ reason: 'interrupted-rotation' });
    const loaded = await loadLog(layout, { origin: opts.origin, publicKey, log: opts.log });
    const { scan, checkpoint } = loaded;
    marker = await createMarker(layout);
    const others = await sweepMarkers(layout, marker);
    if (checkpoint && !checkpoint.signed && publicKey) {
      // From here on the key signs entries it never saw signed: say so in the record.
      recovered.push({ reason: 'unsigned-checkpoint', size: checkpoint.size });
    }
    const signedSize = checkpoint?.size ?? 0;
    // Entries past the checkpoint are a crashed run's only when no writer is still at
    // work on the log (or a dead one left its marker): a live one signs them when it closes.
    if (scan.size > signedSize && (others.live === 0 || others.dead > 0)) {
      recovered.push({ reason: 'unsigned-tail', fromSeq: signedSize, entries: scan.size - signedSize });
    }
    recovered.push(...loaded.recovered);
    const closed = [...scan.closed];
    let tip = loaded.tip;
    if (rotationDue(scan, rotation, now())) {
      closed.push(await rotate(layout, scan));
      tip = { ...tip, activeBytes: 0 };
    }
    const pruned = await pruneExpired(layout, opts.origin, closed, rotation.retentionDays, now());
    if (pruned) recovered.push({ reason: 'pruned', prunedTo: pruned.prunedTo, segments: pruned.segments });

    fh = await openNoFollow(layout.logPath, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT);
    const writer = new Writer(layout, opts, privateKey, publicKey, marker, fh, tip, now);
    for (const r of recovered) await writer.appendLocked('audit.recovered', r);
    // A new log gets its checkpoint at once: from now on "entries but no checkpoint"
    // can only mean a file that Airlock did not start (log-state.ts refuses those).
    if (!checkpoint) await writer.writeCheckpointLocked();
    return writer;
  } catch (e) {
    await fh?.close().catch(() => undefined);
    await marker?.remove();
    throw e;
  } finally {
    await lock.release();
  }
}
