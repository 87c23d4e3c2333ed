import type { KeyObject } from 'node:crypto';
import { VerificationError } from '../errors.js';
import { keyId, signEd25519, verifyEd25519 } from './keys.js';

/**
 * C2SP signed-note (https://c2sp.org/signed-note), parsed strictly:
 *
 *   <text, one or more lines, each ending in \n>
 *   \n
 *   — <name> <base64(4-byte key ID || signature)>\n      (one or more)
 *
 * The note is attacker-controlled and parsed before any signature is checked, so the
 * parser allocates little, caps sizes, and accepts exactly one spelling of each
 * thing: the em dash U+2014 (not a hyphen or en dash), single spaces, standard padded
 * base64 that re-encodes to the same text (no junk, no whitespace), no CR, no other
 * control characters, valid UTF-8.
 */

export const MAX_NOTE_BYTES = 64 * 1024;
/** Go's sumdb/note caps signatures at 100 per note; we do the same. */
const MAX_SIGNATURES = 100;
const SIG_PREFIX = '\u2014 ';
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export interface NoteSignature {
  name: string;
  keyId: Buffer;
  signature: Buffer;
}

export interface SignedNote {
  /** The signed text, including its final `\n`. */
  text: string;
  signatures: NoteSignature[];
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function malformed(why: string): never {
  throw new VerificationError('AUDIT_CHECKPOINT_MALFORMED', `checkpoint note: ${why}`);
}

/** Key names: non-empty, no whitespace, no `+` (it separates fields of a verifier key). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s+]/u.test(name) && !/\p{Cc}/u.test(name);
}

/**
 * `allowUnsigned`: a text with no blank line and no signature block is accepted as a
 * note with zero signatures. Airlock writes a checkpoint in that form when it has no
 * signing key (docs/audit-format.md, "Unsigned checkpoints"); the caller decides
 * whether an unsigned note is acceptable. A blank line followed by nothing is still
 * malformed: the one unsigned spelling is the bare body.
 */
export function parseSignedNote(bytes: Uint8Array, opts: { allowUnsigned?: boolean } = {}): SignedNote {
  if (bytes.length > MAX_NOTE_BYTES) malformed(`larger than ${MAX_NOTE_BYTES} bytes`);
  let all: string;
  try {
    all = utf8.decode(bytes);
  } catch {
    malformed('not valid UTF-8');
  }
  if (all.charCodeAt(0) === 0xfeff) malformed('starts with a byte order mark');
  // Only \n may appear as a control character (this also rejects CR and NUL).
  if (/[\u0000-\u0009\u000b-\u001f\u007f]/.test(all)) malformed('contains a control character');
  const split = all.lastIndexOf('\n\n');
  if (split < 0 && opts.allowUnsigned) {
    if (all.length < 2 || !all.endsWith('\n')) malformed('unsigned text does not end in a newline');
    return { text: all, signatures: [] };
  }
  if (split < 0) malformed('no blank line between text and signatures');
  const text = all.slice(0, split + 1);
  const sigBlock = all.slice(split + 2);
  if (text.length < 2) malformed('empty text');
  if (!sigBlock.endsWith('\n')) malformed('signature block does not end in a newline');
  const lines = sigBlock.slice(0, -1).split('\n');
  if (lines.length > MAX_SIGNATURES) malformed(`more than ${MAX_SIGNATURES} signatures`);
  const signatures = lines.map(parseSignatureLine);
  return { text, signatures };
}

function parseSignatureLine(line: string): NoteSignature {
  if (!line.startsWith(SIG_PREFIX)) malformed('signature line does not start with an em dash and a space');
  const rest = line.slice(SIG_PREFIX.length);
  const parts = rest.split(' ');
  if (parts.length !== 2) malformed('signature line is not "— <name> <base64>"');
  const [name, b64] = parts as [string, string];
  if (!isValidKeyName(name)) malformed('bad signer name');
  if (!BASE64.test(b64) || b64.length % 4 !== 0) malformed('signature is not padded standard base64');
  const blob = Buffer.from(b64, 'base64');
  if (blob.toString('base64') !== b64) malformed('signature base64 is not canonical');
  if (blob.length < 5) malformed('signature is shorter than a key ID and one byte');
  return { name, keyId: blob.subarray(0, 4), signature: blob.subarray(4) };
}

export function formatSignedNote(text: string, signatures: NoteSignature[]): string {
  if (!text.endsWith('\n')) throw new Error('note text must end in a newline');
  const lines = signatures.map(
    (s) => `${SIG_PREFIX}${s.name} ${Buffer.concat([s.keyId, s.signature]).toString('base64')}\n`,
  );
  return `${text}\n${lines.join('')}`;
}

export function signNote(text: string, name: string, privateKey: KeyObject, publicKey: KeyObject): string {
  const signature = signEd25519(privateKey, Buffer.from(text, 'utf8'));
  return formatSignedNote(text, [{ name, keyId: keyId(name, publicKey), signature }]);
}

/**
 * Checks the note's signature by `publicKey` under `name`. Signatures by other keys are
 * ignored (a note may carry witnesses' cosignatures), but if none is by our key the note
 * is unverified: AUDIT_UNKNOWN_SIGNER. A signature that claims our key and fails is
 * AUDIT_SIGNATURE_INVALID, whatever else the note carries.
 */
export function verifyNote(note: SignedNote, name: string, publicKey: KeyObject): void {
  const id = keyId(name, publicKey);
  const ours = note.signatures.filter((s) => s.name === name && s.keyId.equals(id));
  if (ours.length === 0) {
    throw new VerificationError('AUDIT_UNKNOWN_SIGNER', `no signature by the given key for ${name}`);
  }
  const message = Buffer.from(note.text, 'utf8');
  for (const s of ours) {
    if (!verifyEd25519(publicKey, message, s.signature)) {
      throw new VerificationError('AUDIT_SIGNATURE_INVALID', 'the checkpoint signature does not verify');
    }
  }
}
