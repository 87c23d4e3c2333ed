import { createHash, type KeyObject } from 'node:crypto';
import { UserError, VerificationError } from '../errors.js';
import { type Checkpoint, type SignedCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import { truncateFile } from './maintenance.js';
import { type ChainTip, type ScanResult, scanLog } from './scan.js';
import { type LogLayout, readAnchor } from './segments.js';
import { readLogCheckpoint } from './verify.js';

/**
 * What a writer checks, under the lock, before it appends to a log it did not just
 * write itself: the log verifies against its own checkpoint, the checkpoint is for this
 * origin and (with a key) signed by it, and the log still holds everything the writer
 * saw before (`known`: the root at the size it last knew must not change). A torn last
 * line (a writer killed mid-append) is cut off and reported for the record.
 */
export interface LoadedLog {
  scan: ScanResult;
  checkpoint: SignedCheckpoint | null;
  tip: ChainTip;
  /** `audit.recovered` entries to append for what was repaired here. */
  recovered: Record<string, unknown>[];
}

export async function loadLog(
  layout: LogLayout,
  opts: { origin: string; publicKey?: KeyObject; log: string },
  known?: Checkpoint,
): Promise<LoadedLog> {
  const checkpoint = await readLogCheckpoint(layout);
  checkCheckpoint(checkpoint, opts);
  const anchor = await readAnchor(layout);
  if (anchor && anchor.origin !== opts.origin) {
    throw new VerificationError('AUDIT_ORIGIN_MISMATCH', `anchor is for ${anchor.origin}`);
  }
  const scan = await scanLog(layout, { origin: opts.origin, anchor, checkpoint, trusted: known ?? null });
  if (checkpoint && scan.size < checkpoint.size) {
    throw new VerificationError(
      'AUDIT_TRUNCATED',
      `log has ${scan.size} of ${checkpoint.size} entries`,
      scan.size,
    );
  }
  if (known && scan.size < known.size) {
    throw new VerificationError(
      'AUDIT_TRUNCATED',
      `log has ${scan.size} entries, but ${known.size} were written while this writer had it open`,
      scan.size,
    );
  }
  if (!checkpoint && (scan.size > 0 || scan.active.tornTail)) {
    // Every log Airlock starts gets a checkpoint before its first entry (writer.ts), so
    // entries without one were not written here: a file committed in a pull request,
    // copied in, or planted. Adopting it would sign someone else's history as ours.
    throw new VerificationError(
      'AUDIT_CHECKPOINT_MISSING',
      `${opts.log} has ${scan.size} entries but no checkpoint (${layout.checkpointPath}): it was not written by Airlock here; refusing to extend it (move it away, or restore its checkpoint)`,
      0,
    );
  }
  const recovered: Record<string, unknown>[] = [];
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
  return {
    scan,
    checkpoint,
    tip: {
      size: scan.size,
      lastHash: scan.lastHash,
      tree: scan.tree,
      activeBytes: scan.active.completeBytes,
    },
    recovered,
  };
}

/** The checkpoint is this log's, and it may be extended by this writer (with or without a key). */
export function checkCheckpoint(
  checkpoint: SignedCheckpoint | null,
  opts: { origin: string; publicKey?: KeyObject; log: string },
): void {
  if (!checkpoint) return;
  if (checkpoint.origin !== opts.origin) {
    throw new VerificationError(
      'AUDIT_ORIGIN_MISMATCH',
      `log is for ${checkpoint.origin}, not ${opts.origin}`,
    );
  }
  if (opts.publicKey && checkpoint.signed) verifyCheckpointSignature(checkpoint, opts.publicKey);
  if (!opts.publicKey && checkpoint.signed) {
    // Extending a signed log without the key would replace its signed checkpoint
    // with an unsigned one: the earlier signature would silently stop covering it.
    throw new UserError(
      'AUDIT_KEY_REQUIRED',
      `the audit log ${opts.log} has a signed checkpoint: give its signing key to extend it, or use another log`,
    );
  }
}
