/**
 * The verifier's fast path for one entry line: a single byte scan that ACCEPTS only the
 * plainest canonical lines and says "don't know" (null) for everything else, which then
 * goes through the full check in canonical-line.ts (UTF-8 decode, depth scan, JSON.parse,
 * re-serialisation). It never refuses a line itself, so every refusal, with its error
 * code and message, is still the full check's.
 *
 * Why it is sound: it accepts a line only if it is pure printable ASCII, has no
 * whitespace outside strings, no backslash at all, no number other than a plain integer
 * of at most 15 digits (never `-0`, a fraction or an exponent), object keys in strictly
 * increasing byte order (for ASCII that is JCS's UTF-16 code-unit order, and "strictly"
 * rules out duplicates), nesting within MAX_NESTING, and the entry's fixed top level
 * `{"data":{...},"kind":"..","prev":"..","seq":N,"time":"..","v":1}` with each field's
 * pattern. For such a line JSON.parse succeeds and every value re-serialises to exactly
 * its own bytes (JCS writes ASCII strings without escapes literally, safe integers as
 * their digits, and keys sorted), so the full check would accept it and read the same
 * seq, prev, time and kind. test/unit/audit/canonical-fast.test.ts checks this against
 * the full check on generated and mutated lines.
 *
 * Why it exists: the full check cost ~8 us a line (most of `verify`'s time at 10^6
 * entries); this scan costs a fraction of that and allocates only the tail's fields.
 */
import { MAX_LINE_BYTES, MAX_NESTING } from './line-limits.js';

export interface EntryHead {
  seq: number;
  prev: string;
  time: string;
  kind: string;
}

const QUOTE = 0x22;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
/** Longest integer accepted here: 15 digits are always below 2^53, so they round-trip. */
const MAX_DIGITS = 15;

/** `{"data":` then the data object's `{`. */
const HEAD = Buffer.from('{"data":{', 'latin1');
const DATA_AT = HEAD.length - 1;
/** Everything after `data`'s value, in JCS key order; the same patterns as checkShape's. */
const TAIL =
  /^,"kind":"([a-z][a-z0-9_.-]{0,63})","prev":"([0-9a-f]{64})","seq":(0|[1-9][0-9]{0,14}),"time":"(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z)","v":1}$/;

// Per-depth scan state, reused across lines (the scan is synchronous and not re-entered).
const containerAt = new Uint8Array(MAX_NESTING + 2);
const lastKeyStart = new Int32Array(MAX_NESTING + 2);
const lastKeyEnd = new Int32Array(MAX_NESTING + 2);

/** The entry's fields if `line` (without `\n`) is certainly canonical and well formed; else null. */
export function fastEntryHead(line: Buffer): EntryHead | null {
  if (line.length > MAX_LINE_BYTES || line.length <= HEAD.length) return null;
  for (let i = 0; i < HEAD.length; i++) if (line[i] !== HEAD[i]) return null;
  // Depth 1 is the entry object itself, so `data`'s own object is at depth 2.
  const end = scanValue(line, DATA_AT, 1);
  if (end < 0) return null;
  const m = TAIL.exec(line.toString('latin1', end));
  if (!m) return null;
  return { kind: m[1]!, prev: m[2]!, seq: Number(m[3]), time: m[4]! };
}

/**
 * Scans one value starting at `start` inside a container at `baseDepth`; returns the
 * index just after it, or -1 for anything outside the plain subset. Iterative (an
 * explicit per-depth state), so hostile nesting costs no stack.
 */
function scanValue(b: Buffer, start: number, baseDepth: number): number {
  const n = b.length;
  let i = start;
  let depth = baseDepth;
  for (;;) {
    // A value is expected at i.
    const c = b[i];
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth++;
      if (depth > MAX_NESTING) return -1;
      containerAt[depth] = c;
      i++;
      if (b[i] === c + 2) {
        // `{}` or `[]` (the closing byte is the opening one + 2 for both).
        i++;
        depth--;
      } else if (c === OPEN_OBJECT) {
        lastKeyStart[depth] = -1;
        i = scanKey(b, i, depth);
        if (i < 0) return -1;
        continue;
      } else continue;
    } else if (c === QUOTE) {
      i = scanString(b, i, n);
      if (i < 0) return -1;
    } else if (c === MINUS || (c !== undefined && c >= ZERO && c <= NINE)) {
      i = scanInteger(b, i);
      if (i < 0) return -1;
    } else if (c === 0x74) {
      if (!literal(b, i, 'true')) return -1;
      i += 4;
    } else if (c === 0x66) {
      if (!literal(b, i, 'false')) return -1;
      i += 5;
    } else if (c === 0x6e) {
      if (!literal(b, i, 'null')) return -1;
      i += 4;
    } else return -1;
    // After a value: a comma (then a key in an object), or the container's close.
    for (;;) {
      if (depth === baseDepth) return i;
      const d = b[i];
      const container = containerAt[depth]!;
      if (d === COMMA) {
        i++;
        if (container === OPEN_OBJECT) {
          i = scanKey(b, i, depth);
          if (i < 0) return -1;
        }
        break;
      }
      if (d === (container === OPEN_OBJECT ? CLOSE_OBJECT : CLOSE_ARRAY)) {
        i++;
        depth--;
        continue;
      }
      return -1;
    }
  }
}

/** A key and its colon; the key must sort strictly after the previous key of this object. */
function scanKey(b: Buffer, i: number, depth: number): number {
  const keyStart = i + 1;
  const after = scanString(b, i, b.length);
  if (after < 0 || b[after] !== COLON) return -1;
  const keyEnd = after - 1;
  const prevStart = lastKeyStart[depth]!;
  if (prevStart >= 0 && compareBytes(b, prevStart, lastKeyEnd[depth]!, keyStart, keyEnd) >= 0) return -1;
  lastKeyStart[depth] = keyStart;
  lastKeyEnd[depth] = keyEnd;
  return after + 1;
}

/** A string of printable ASCII with no escape; returns the index after its closing quote. */
function scanString(b: Buffer, i: number, n: number): number {
  if (b[i] !== QUOTE) return -1;
  for (let j = i + 1; j < n; j++) {
    const c = b[j]!;
    if (c === QUOTE) return j + 1;
    if (c < 0x20 || c > 0x7e || c === 0x5c) return -1;
  }
  return -1;
}

/** `0` or `-?[1-9][0-9]{0,14}`; whatever follows is checked by the caller. */
function scanInteger(b: Buffer, i: number): number {
  let j = i;
  if (b[j] === MINUS) j++;
  const first = b[j];
  if (first === ZERO) return j === i ? j + 1 : -1; // `-0` is not canonical
  if (first === undefined || first < 0x31 || first > NINE) return -1;
  const digitsStart = j;
  j++;
  while (j < b.length && b[j]! >= ZERO && b[j]! <= NINE) j++;
  if (j - digitsStart > MAX_DIGITS) return -1;
  return j;
}

function literal(b: Buffer, i: number, word: string): boolean {
  for (let k = 0; k < word.length; k++) if (b[i + k] !== word.charCodeAt(k)) return false;
  return true;
}

/** Sign of [as, ae) compared with [bs, be) byte by byte (shorter prefix first). */
function compareBytes(b: Buffer, as: number, ae: number, bs: number, be: number): number {
  const la = ae - as;
  const lb = be - bs;
  const len = la < lb ? la : lb;
  for (let k = 0; k < len; k++) {
    const d = b[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return la - lb;
}
