import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeEntry, isCanonical, nestingDepth, parseEntryLine } from '../../../src/audit/canonical-line.js';

const libraryVerdict = (text: string): boolean => {
  try {
    return canonicalize(JSON.parse(text)) === text;
  } catch {
    return false;
  }
};

// Values with the awkward parts of JCS: integer-like keys (JS orders them first),
// non-ASCII and astral keys, lone surrogates, -0, exponents, nested arrays.
const key = fc.oneof(
  fc.string(),
  fc.constantFrom('10', '2', 'a', 'B', '\u00e9', '\ud83d\ude00', '\ud800', '-1', '01'),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.oneof(
      fc.string({ unit: 'binary' }),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      fc.integer(),
    ),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;

describe('canonical check', () => {
  it('agrees with the canonicalize library on canonical texts', () => {
    fc.assert(
      fc.property(json, (v) => {
        let text: string | undefined;
        try {
          text = canonicalize(v);
        } catch {
          return true; // not representable in JCS (lone surrogate): nothing to compare
        }
        if (text === undefined) return true;
        return isCanonical(JSON.parse(text), text) === true;
      }),
      { numRuns: 3000 },
    );
  });

  it('agrees with the canonicalize library on arbitrary spellings (insertion order, spaces)', () => {
    fc.assert(
      fc.property(json, fc.boolean(), (v, spaced) => {
        const text = JSON.stringify(v, null, spaced ? 1 : undefined);
        if (text === undefined) return true;
        return isCanonical(JSON.parse(text), text) === libraryVerdict(text);
      }),
      { numRuns: 3000 },
    );
  });

  it('rejects duplicate keys, integer-like keys out of code-unit order, and needless escapes', () => {
    for (const text of [
      '{"a":1,"a":1}',
      '{"2":1,"10":1}',
      '{"a":"\\u0041"}',
      '{"a":1.0}',
      '{"a":1e2}',
      '{ "a":1}',
    ]) {
      expect(isCanonical(JSON.parse(text), text), text).toBe(false);
    }
    for (const text of [
      '{"10":1,"2":1}',
      '{"a":"\\u001f"}',
      '{"a":100,"b":[1,"x"]}',
      '{"\u00e9":1,"\ud83d\ude00":2}',
    ]) {
      expect(isCanonical(JSON.parse(text), text), text).toBe(true);
    }
  });
});

describe('entry lines', () => {
  const entry = {
    v: 1 as const,
    seq: 3,
    prev: 'a'.repeat(64),
    time: '2026-01-02T03:04:05.678Z',
    kind: 'script.scan',
    data: { z: 1, a: ['é', { y: null, b: true }] },
  };

  it('encodes with sorted keys and a single newline, and parses back', () => {
    const line = encodeEntry(entry);
    expect(line.toString()).toBe(
      '{"data":{"a":["é",{"b":true,"y":null}],"z":1},"kind":"script.scan","prev":"' +
        'a'.repeat(64) +
        '","seq":3,"time":"2026-01-02T03:04:05.678Z","v":1}\n',
    );
    expect(parseEntryLine(line.subarray(0, -1), 3)).toEqual(entry);
  });

  it('refuses bad fields before and after parsing', () => {
    const bad = (e: object) => () => encodeEntry(e as typeof entry);
    expect(bad({ ...entry, time: '2026-01-02T03:04:05+01:00' })).toThrow();
    expect(bad({ ...entry, prev: 'A'.repeat(64) })).toThrow();
    expect(bad({ ...entry, seq: -1 })).toThrow();
    expect(bad({ ...entry, data: [] })).toThrow();
    expect(bad({ ...entry, extra: 1 })).toThrow();
  });

  it('measures nesting outside strings only', () => {
    expect(nestingDepth(Buffer.from('{"a":[[1]],"b":"[[[[{{{{"}'))).toBe(3);
    expect(nestingDepth(Buffer.from('{"a":"\\"[[["}'))).toBe(1);
  });
});
