import type { KeyObject } from 'node:crypto';
import { lstat, readFile } from 'node:fs/promises';
import { VerificationError } from '../errors.js';
import { parseCheckpoint, type SignedCheckpoint, verifyCheckpointSignature } from './checkpoint.js';
import { loadPublicKey } from './keys.js';
import { reusePointerCheck } from '../cache/reuse-check.js';
import { scanLog } from './scan.js';
import { type LogLayout, layoutOf, listClosedSegments, readAnchor } from './segments.js';
import { MAX_NOTE_BYTES } from './signed-note.js';

export interface VerifyOptions {
  /** The log file F (the active segment); `F.checkpoint` and closed segments are beside it. */
  log: string;
  /** PEM of the Ed25519 public key. Without it the signature is NOT checked (reported). */
  publicKeyPem?: string;
  /** Text of an older checkpoint kept outside the repository: the log must extend it. */
  trustedCheckpoint?: string | Uint8Array;
  /**
   * Treat an unsigned checkpoint (AUDIT_CHECKPOINT_UNSIGNED) or an unsigned or torn
   * tail (AUDIT_UNSIGNED_TAIL) as a failure.
   */
  strict?: boolean;
  /** Expected origin; by default the checkpoint's. */
  origin?: string;
}

export interface VerifyResult {
  origin: string;
  /** Complete entries in the log (including any pruned before the anchor). */
  entries: number;
  /** Entries covered by the checkpoint. */
  checkpointSize: number;
  /** base64 root of the checkpoint (as in the checkpoint). */
  root: string;
  /** Entries after the checkpoint: written but not (yet) signed, e.g. by a run that crashed. */
  unsignedTail: number;
  /** Bytes of a partly written last line (a crash mid-append). */
  tornTailBytes: number;
  /** The checkpoint carries at least one signature (false: written without a key). */
  checkpointSigned: boolean;
  /** A signature by the given public key was verified. */
  signatureChecked: boolean;
  trustedCheckpointChecked: boolean;
  /** First seq still present (0 unless older segments were pruned). */
  firstSeq: number;
}

export async function readCheckpointFile(path: string): Promise<SignedCheckpoint | null> {
  try {
    const st = await lstat(path);
    if (!st.isFile())
      throw new VerificationError('AUDIT_CHECKPOINT_MALFORMED', 'checkpoint is not a regular file');
    if (st.size > MAX_NOTE_BYTES)
      throw new VerificationError('AUDIT_CHECKPOINT_MALFORMED', 'checkpoint is too large');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  return parseCheckpoint(await readFile(path));
}

/**
 * The checkpoint of the log at `layout`: `F.checkpoint`; for a log written before that
 * name existed, `checkpoint` beside it. The old name is read only when the new one is
 * absent and the log has entries: beside an empty or new log it belongs to another log.
 */
export async function readLogCheckpoint(layout: LogLayout): Promise<SignedCheckpoint | null> {
  const current = await readCheckpointFile(layout.checkpointPath);
  if (current) return current;
  const active = await lstat(layout.logPath).catch(() => null);
  const hasEntries = (active?.size ?? 0) > 0 || (await listClosedSegments(layout)).length > 0;
  return hasEntries ? readCheckpointFile(layout.legacyCheckpointPath) : null;
}

/**
 * Verifies a log: every line's form, seq and link; the Merkle root against the signed
 * checkpoint; the signature; and consistency with a trusted older checkpoint. Throws
 * VerificationError naming the first bad entry (`seq`) where one can be named.
 */
export async function verifyAuditLog(opts: VerifyOptions): Promise<VerifyResult> {
  const layout = layoutOf(opts.log);
  const publicKey: KeyObject | undefined = opts.publicKeyPem ? loadPublicKey(opts.publicKeyPem) : undefined;

  const checkpoint = await readLogCheckpoint(layout);
  if (!checkpoint) {
    throw new VerificationError('AUDIT_CHECKPOINT_MISSING', `no checkpoint ${layout.checkpointPath}`);
  }
  const origin = opts.origin ?? checkpoint.origin;
  if (checkpoint.origin !== origin) {
    throw new VerificationError(
      'AUDIT_ORIGIN_MISMATCH',
      `checkpoint is for ${checkpoint.origin}, not ${origin}`,
    );
  }
  // With a key, an unsigned checkpoint fails here (AUDIT_CHECKPOINT_UNSIGNED).
  if (publicKey) verifyCheckpointSignature(checkpoint, publicKey);
  if (opts.strict && !checkpoint.signed) {
    throw new VerificationError(
      'AUDIT_CHECKPOINT_UNSIGNED',
      'the checkpoint is unsigned (the log was written without a signing key)',
    );
  }

  let trusted: SignedCheckpoint | null = null;
  if (opts.trustedCheckpoint !== undefined) {
    const bytes =
      typeof opts.trustedCheckpoint === 'string'
        ? Buffer.from(opts.trustedCheckpoint, 'utf8')
        : opts.trustedCheckpoint;
    trusted = parseCheckpoint(bytes);
    if (trusted.origin !== origin) {
      throw new VerificationError('AUDIT_ORIGIN_MISMATCH', `trusted checkpoint is for ${trusted.origin}`);
    }
    // A trusted checkpoint is trusted because it was kept elsewhere; its signature is
    // checked when it has one, and an unsigned one is accepted unless a key is given.
    if (publicKey) verifyCheckpointSignature(trusted, publicKey);
    if (trusted.size > checkpoint.size) {
      throw new VerificationError(
        'AUDIT_INCONSISTENT',
        `the log's checkpoint (size ${checkpoint.size}) is older than the trusted one (size ${trusted.size}): rolled back`,
        checkpoint.size,
      );
    }
  }

  const anchor = await readAnchor(layout);
  if (anchor && anchor.origin !== origin) {
    throw new VerificationError('AUDIT_ORIGIN_MISMATCH', `anchor is for ${anchor.origin}`);
  }
  const scan = await scanLog(layout, {
    origin,
    anchor,
    checkpoint,
    trusted,
    // A verdict-cache reuse must point at an earlier kept result under the same key.
    onEntry: reusePointerCheck(anchor?.size ?? 0),
  });

  if (scan.size < checkpoint.size) {
    throw new VerificationError(
      'AUDIT_TRUNCATED',
      `the log has ${scan.size} entries but its checkpoint covers ${checkpoint.size}`,
      scan.size,
    );
  }
  const result: VerifyResult = {
    origin,
    entries: scan.size,
    checkpointSize: checkpoint.size,
    root: checkpoint.root.toString('base64'),
    unsignedTail: scan.size - checkpoint.size,
    tornTailBytes: scan.active.tornTail?.length ?? 0,
    checkpointSigned: checkpoint.signed,
    signatureChecked: publicKey !== undefined,
    trustedCheckpointChecked: trusted !== null,
    firstSeq: anchor?.size ?? 0,
  };
  if (opts.strict && (result.unsignedTail > 0 || result.tornTailBytes > 0)) {
    throw new VerificationError(
      'AUDIT_UNSIGNED_TAIL',
      `${result.unsignedTail} entries${result.tornTailBytes ? ' and a torn last line' : ''} after the checkpoint are not signed`,
      checkpoint.size,
    );
  }
  return result;
}
