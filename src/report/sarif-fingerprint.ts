/**
 * `partialFingerprints.primaryLocationLineHash`, computed the way GitHub's upload
 * (github/codeql-action, "fingerprints") computes it when a SARIF file has none, so
 * alerts keep their identity whether we or GitHub compute it:
 *
 * 1. The file is read as UTF-16 code units. Spaces and tabs are skipped; CR and CRLF
 *    become LF. So indentation changes and line-ending changes do not move a hash.
 * 2. For each line, a polynomial rolling hash (base 37, arithmetic modulo 2^64) is taken
 *    over the next 100 kept characters starting at the line's first character, running
 *    on into the following lines (EOF counts as the character 65535; after it the
 *    window is padded with 0).
 * 3. The hash is printed as unsigned hex, followed by `:n` where n counts how many times
 *    that hash has been seen so far in the file (1, 2, ...): identical lines get
 *    distinct fingerprints, and a finding keeps its fingerprint when unrelated lines
 *    above it are added or removed.
 *
 * A file of N lines gives N hashes; a trailing newline adds one for the empty last line.
 */
const BLOCK_SIZE = 100;
const MOD = 37n;
const MASK = (1n << 64n) - 1n;
const SPACE = 0x20;
const TAB = 0x09;
const LF = 0x0a;
const CR = 0x0d;
const EOF = 65535;

// 37^100 mod 2^64: the weight of the character leaving the window.
const FIRST_MOD = (() => {
  let m = 1n;
  for (let i = 0; i < BLOCK_SIZE; i++) m = (m * MOD) & MASK;
  return m;
})();

/** Line number (1-based) -> `<hex>:<occurrence>` for every line of `text`. */
export function lineHashes(text: string): Map<number, string> {
  const out = new Map<number, string>();
  const window: number[] = new Array(BLOCK_SIZE).fill(0);
  const lineNumbers: number[] = new Array(BLOCK_SIZE).fill(-1);
  const seen = new Map<string, number>();
  let hash = 0n;
  let index = 0;
  let lineNumber = 0;
  let lineStart = true;
  let prevCR = false;

  const emit = () => {
    const hex = hash.toString(16);
    const n = (seen.get(hex) ?? 0) + 1;
    seen.set(hex, n);
    out.set(lineNumbers[index]!, `${hex}:${n}`);
    lineNumbers[index] = -1;
  };
  const update = (c: number) => {
    const leaving = window[index]!;
    window[index] = c;
    hash = (MOD * hash + BigInt(c) - FIRST_MOD * BigInt(leaving)) & MASK;
    index = (index + 1) % BLOCK_SIZE;
  };
  const consume = (input: number) => {
    let c = input;
    if (c === SPACE || c === TAB || (prevCR && c === LF)) {
      prevCR = false;
      return;
    }
    if (c === CR) {
      c = LF;
      prevCR = true;
    } else {
      prevCR = false;
    }
    if (lineNumbers[index] !== -1) emit();
    if (lineStart) {
      lineStart = false;
      lineNumber++;
      lineNumbers[index] = lineNumber;
    }
    if (c === LF) lineStart = true;
    update(c);
  };

  for (let i = 0; i < text.length; i++) consume(text.charCodeAt(i));
  consume(EOF);
  for (let i = 0; i < BLOCK_SIZE; i++) {
    if (lineNumbers[index] !== -1) emit();
    update(0);
  }
  return out;
}
