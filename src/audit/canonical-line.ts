import canonicalize from 'canonicalize';
import { VerificationError } from '../errors.js';
import { type EntryHead, fastEntryHead } from './canonical-fast.js';
import { MAX_LINE_BYTES, MAX_NESTING } from './line-limits.js';

export { MAX_LINE_BYTES, MAX_NESTING };
export type { EntryHead };

/**
 * One audit entry as a line: the RFC 8785 (JCS) canonical JSON of
 * `{"v":1,"seq":N,"prev":"<hex>","time":"<RFC 3339 UTC>","kind":"...","data":{...}}`.
 * The bytes ARE the record: hashes and the Merkle tree are over them, so a line is
 * accepted only if it is byte-for-byte what a writer would have produced.
 */
export interface AuditEntry {
  v: 1;
  seq: number;
  prev: string;
  time: string;
  kind: string;
  data: Record<string, unknown>;
}

const HEX64 = /^[0-9a-f]{64}$/;
// RFC 3339 in UTC only ("Z"): a local offset would make equal instants differ in bytes.
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;
const KIND = /^[a-z][a-z0-9_.-]{0,63}$/;
const ENTRY_KEYS = ['data', 'kind', 'prev', 'seq', 'time', 'v'];

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Encodes an entry as its canonical line, `\n` included. Throws on values JSON cannot carry. */
export function encodeEntry(entry: AuditEntry): Buffer {
  checkShape(entry, entry.seq);
  const text = canonicalize(entry);
  if (text === undefined) throw new TypeError('audit entry is not JSON-serialisable');
  const line = Buffer.from(`${text}\n`, 'utf8');
  if (line.length - 1 > MAX_LINE_BYTES) {
    throw new VerificationError(
      'AUDIT_LINE_MALFORMED',
      `entry is ${line.length} bytes (cap ${MAX_LINE_BYTES})`,
    );
  }
  return line;
}

/**
 * Proves one line (without its `\n`) canonical and well formed, exactly as
 * parseEntryLine does, and returns the fields the chain needs (not `data`). The
 * verifier's hot path: the fast scan accepts plain lines, everything else (and every
 * refusal) goes through parseEntryLine.
 */
export function checkEntryLine(line: Buffer, seq: number): EntryHead {
  return fastEntryHead(line) ?? parseEntryLine(line, seq);
}

/**
 * Parses one line (without its `\n`) and proves it canonical. `seq` is the index the
 * line was found at, used only to name it in errors.
 */
export function parseEntryLine(line: Uint8Array, seq: number): AuditEntry {
  if (line.length > MAX_LINE_BYTES) {
    throw new VerificationError('AUDIT_LINE_MALFORMED', `line is longer than ${MAX_LINE_BYTES} bytes`, seq);
  }
  if (line.length >= 3 && line[0] === 0xef && line[1] === 0xbb && line[2] === 0xbf) {
    throw new VerificationError('AUDIT_LINE_MALFORMED', 'line starts with a byte order mark', seq);
  }
  if (line.includes(0x0d)) {
    throw new VerificationError('AUDIT_LINE_MALFORMED', 'line contains a carriage return (CRLF?)', seq);
  }
  let text: string;
  try {
    text = utf8.decode(line);
  } catch {
    throw new VerificationError('AUDIT_LINE_MALFORMED', 'line is not valid UTF-8', seq);
  }
  const depth = nestingDepth(line);
  if (depth > MAX_NESTING) {
    throw new VerificationError('AUDIT_LINE_MALFORMED', `line nests deeper than ${MAX_NESTING}`, seq);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new VerificationError('AUDIT_LINE_MALFORMED', 'line is not JSON', seq);
  }
  checkShape(value, seq);
  // Re-canonicalise and compare: this rejects whitespace, key order, escapes, number
  // spellings AND duplicate keys (JSON.parse keeps the last one, so a line with a
  // duplicate can never equal its own re-canonicalisation).
  if (!isCanonical(value, text)) {
    throw new VerificationError('AUDIT_LINE_NONCANONICAL', 'line is not the RFC 8785 form of its value', seq);
  }
  return value;
}

/**
 * True iff `text` is the RFC 8785 form of `value` (what JSON.parse made of `text`).
 *
 * Fast path, for the verifier's throughput (the library's canonicalize is most of the
 * per-line cost): JSON.stringify writes every primitive exactly as JCS does (RFC 8785
 * 3.2.2 defines number and string output as ECMAScript's, and the canonicalize library
 * itself calls JSON.stringify for them) and writes keys in Object.keys order. So if it
 * reproduces `text` byte for byte and every object's keys are in UTF-16 code-unit order
 * (JCS's sort, and the library's `.sort()`), `text` is canonical. Anything else, and any
 * text with a `\u` escape (JSON.stringify writes lone surrogates that JCS refuses),
 * is decided by the library. test/unit/audit/canonical-line.test.ts checks the two
 * agree on generated values.
 */
export function isCanonical(value: unknown, text: string): boolean {
  if (!text.includes('\\u') && JSON.stringify(value) === text && keysSorted(value)) return true;
  try {
    return canonicalize(value) === text;
  } catch {
    return false; // lone surrogates, which JCS cannot represent
  }
}

function keysSorted(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return true;
  if (Array.isArray(value)) return value.every(keysSorted);
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    if (i > 0 && !(keys[i - 1]! < keys[i]!)) return false;
    if (!keysSorted((value as Record<string, unknown>)[keys[i]!])) return false;
  }
  return true;
}

function checkShape(value: unknown, seq: number): asserts value is AuditEntry {
  const bad = (why: string): never => {
    throw new VerificationError('AUDIT_LINE_MALFORMED', `entry ${why}`, seq);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('is not an object');
  const o = value as Record<string, unknown>;
  if (Object.keys(o).length !== ENTRY_KEYS.length || !ENTRY_KEYS.every((k) => Object.hasOwn(o, k))) {
    bad('must have exactly the keys v, seq, prev, time, kind, data');
  }
  if (o.v !== 1) bad('has an unknown format version');
  if (typeof o.seq !== 'number' || !Number.isSafeInteger(o.seq) || o.seq < 0) bad('seq is not a count');
  if (typeof o.prev !== 'string' || !HEX64.test(o.prev)) bad('prev is not a lowercase SHA-256 hex');
  if (typeof o.time !== 'string' || !RFC3339_UTC.test(o.time)) bad('time is not RFC 3339 UTC');
  if (typeof o.kind !== 'string' || !KIND.test(o.kind)) bad('kind is not a lowercase event name');
  if (typeof o.data !== 'object' || o.data === null || Array.isArray(o.data)) bad('data is not an object');
}

/**
 * Deepest `[`/`{` nesting outside strings, by a byte scan (no allocation). Runs before
 * JSON.parse so a hostile depth never reaches the recursive parser.
 */
export function nestingDepth(line: Uint8Array): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
  return max;
}
