import type { KeyObject } from 'node:crypto';
import { VerificationError } from '../errors.js';
import { isValidKeyName, parseSignedNote, signNote, type SignedNote, verifyNote } from './signed-note.js';

/**
 * C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint) body:
 *
 *   <origin>\n<size, decimal, no leading zeros>\n<base64 of the 32-byte root>\n
 *
 * We write no extension lines and accept none: an extension line would be signed
 * text this verifier does not understand, and failing closed costs nothing here.
 */
export interface Checkpoint {
  origin: string;
  size: number;
  root: Buffer;
}

export interface SignedCheckpoint extends Checkpoint {
  note: SignedNote;
  /** False for a checkpoint written without a signing key: the bare body, no signature block. */
  signed: boolean;
}

// "no leading zeros" rules out `042`; digits only rules out `+5`, `-1`, `5 `, `0x10`.
const SIZE = /^(0|[1-9][0-9]{0,15})$/;

function malformed(why: string): never {
  throw new VerificationError('AUDIT_CHECKPOINT_MALFORMED', `checkpoint: ${why}`);
}

export function formatCheckpointBody(c: Checkpoint): string {
  if (c.root.length !== 32) throw new RangeError('root must be 32 bytes');
  return `${c.origin}\n${c.size}\n${c.root.toString('base64')}\n`;
}

export function parseCheckpointBody(text: string): Checkpoint {
  if (!text.endsWith('\n')) malformed('body does not end in a newline');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length !== 3) malformed(`body has ${lines.length} lines, expected origin, size and root`);
  const [origin, sizeText, rootText] = lines as [string, string, string];
  if (!isValidKeyName(origin)) malformed('origin is empty or contains spaces or "+"');
  if (!SIZE.test(sizeText)) malformed('size is not a decimal number without leading zeros');
  const size = Number(sizeText);
  if (!Number.isSafeInteger(size)) malformed('size is too large');
  if (!/^[A-Za-z0-9+/]{43}=$/.test(rootText)) malformed('root is not the base64 of 32 bytes');
  const root = Buffer.from(rootText, 'base64');
  if (root.length !== 32 || root.toString('base64') !== rootText) malformed('root base64 is not canonical');
  return { origin, size, root };
}

/**
 * Parses a checkpoint file without checking any signature: a signed note around the
 * body, or (written without a key) the bare body, reported as `signed: false`.
 */
export function parseCheckpoint(bytes: Uint8Array): SignedCheckpoint {
  const note = parseSignedNote(bytes, { allowUnsigned: true });
  return { ...parseCheckpointBody(note.text), note, signed: note.signatures.length > 0 };
}

/**
 * Checks the checkpoint's signature by `publicKey`, named by the checkpoint's own origin.
 * An unsigned checkpoint fails with its own code: whoever expects a key must not accept
 * a log whose signature line was simply deleted.
 */
export function verifyCheckpointSignature(cp: SignedCheckpoint, publicKey: KeyObject): void {
  if (!cp.signed) {
    throw new VerificationError(
      'AUDIT_CHECKPOINT_UNSIGNED',
      `the checkpoint of ${cp.origin} is unsigned; a signature by the given key was expected`,
    );
  }
  verifyNote(cp.note, cp.origin, publicKey);
}

/** The checkpoint file of a log written without a signing key: the C2SP body alone. */
export function unsignedCheckpoint(c: Checkpoint): string {
  return formatCheckpointBody(c);
}

export function signCheckpoint(c: Checkpoint, privateKey: KeyObject, publicKey: KeyObject): string {
  return signNote(formatCheckpointBody(c), c.origin, privateKey, publicKey);
}
