import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fastEntryHead } from '../../../src/audit/canonical-fast.js';
import { checkEntryLine, parseEntryLine } from '../../../src/audit/canonical-line.js';
import { VerificationError } from '../../../src/errors.js';

// The verifier's hot path (checkEntryLine = fast byte scan, else the full parse) must
// accept and refuse exactly what the full check (parseEntryLine) does, with the same
// error code and message, and read the same fields.

const PREV = 'ab'.repeat(32);
const lineOf = (
  dataText: string,
  tail = `"kind":"script.scan","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05.678Z","v":1`,
) => Buffer.from(`{"data":${dataText},${tail}}`, 'utf8');

type Verdict =
  | { ok: true; head: { seq: number; prev: string; time: string; kind: string } }
  | { ok: false; code: string; message: string; seq?: number };

function verdict(f: () => { seq: number; prev: string; time: string; kind: string }): Verdict {
  try {
    const e = f();
    return { ok: true, head: { seq: e.seq, prev: e.prev, time: e.time, kind: e.kind } };
  } catch (e) {
    if (!(e instanceof VerificationError)) throw e;
    return { ok: false, code: e.code, message: e.message, seq: e.seq };
  }
}

/** The hot path and the full check agree, and the fast scan never accepts what the full check refuses. */
function expectSameVerdict(line: Buffer): Verdict {
  const full = verdict(() => parseEntryLine(line, 7));
  const hot = verdict(() => checkEntryLine(line, 7));
  expect(hot).toEqual(full);
  const fast = fastEntryHead(line);
  if (fast) expect(full).toEqual({ ok: true, head: fast });
  return full;
}

// Data values biased to what the fast scan handles (ASCII keys and strings, integers),
// with the awkward parts mixed in: integer-like keys, non-ASCII, control characters,
// -0, fractions, exponents, unsafe integers.
const key = fc.oneof(
  fc.string({ maxLength: 6 }),
  fc.constantFrom('10', '2', 'a', 'B', '_', '__proto__', 'toJSON', '\u00e9', '\ud83d\ude00', '-1', '01', ''),
);
const scalar = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.string({ unit: 'binary', maxLength: 4 }),
  fc.integer(),
  fc.constantFrom(0, -0, 1.5, 1e21, 1e-7, 2 ** 53 + 2, -(2 ** 53) - 2, 999999999999999, 1000000000000000),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
);
const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(key, tie('value'), { maxKeys: 5 }),
  ),
})).value;
const dataObject = fc.dictionary(key, json, { maxKeys: 6 });

/** Text edits that produce the non-canonical spellings the format must refuse. */
const mutations: ((s: string, at: number) => string)[] = [
  (s, at) => `${s.slice(0, at)} ${s.slice(at)}`,
  (s, at) => `${s.slice(0, at)}\n${s.slice(at)}`,
  (s, at) => s.slice(0, at) + s.slice(at + 1),
  (s, at) => s.slice(0, at) + s.slice(at + 1, at + 2) + s.slice(at, at + 1) + s.slice(at + 2),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/\d+/, (d) => `${d}.0`),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/\d+/, (d) => `${d}e0`),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/\d+/, (d) => `0${d}`),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/(?<![\d.e-])0(?![\d.])/, '-0'),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/[a-z]/, (c) => `\\u00${c.charCodeAt(0).toString(16)}`),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/"([^"\\]*)":/, '"$1":null,"$1":'),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/\{"/, '{"zz":1,"'),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/\[/, '[['),
  (s, at) => s.slice(0, at) + s.slice(at).replace(/"/, '"\\/'),
  (s, at) => `${s.slice(0, at)}\u00fc${s.slice(at)}`,
  (s, at) => `${s.slice(0, at)}\\${s.slice(at)}`,
];

describe('fast canonical scan', () => {
  it('accepts a realistic entry line itself (the path verify takes for real logs)', () => {
    const line = lineOf(
      canonicalize({
        path: 'analysis/generated/script_12.py',
        sha256: 'c'.repeat(64),
        level: 'high',
        ruleIds: ['B602', 'python.lang.security.audit.subprocess-shell-true'],
        findings: [{ line: 3, col: 0, confidence: -12, nested: { a: [], b: {}, c: [true, false, null] } }],
      })!,
    );
    expect(fastEntryHead(line)).toEqual({
      seq: 3,
      prev: PREV,
      time: '2026-01-02T03:04:05.678Z',
      kind: 'script.scan',
    });
    expectSameVerdict(line);
  });

  it('agrees with the full check on canonical lines of generated data', () => {
    let fast = 0;
    fc.assert(
      fc.property(dataObject, (data) => {
        let text: string | undefined;
        try {
          text = canonicalize(data);
        } catch {
          return; // lone surrogate: not representable
        }
        const line = lineOf(text!);
        expect(expectSameVerdict(line).ok).toBe(true);
        if (fastEntryHead(line)) fast++;
      }),
      { numRuns: 3000 },
    );
    // The generator must exercise the fast scan, not only the fallback.
    expect(fast).toBeGreaterThan(300);
  });

  it('agrees with the full check on mutated lines (whitespace, order, escapes, numbers, duplicates)', () => {
    let refused = 0;
    fc.assert(
      fc.property(dataObject, fc.integer({ min: 0, max: mutations.length - 1 }), fc.nat(), (data, m, pos) => {
        let text: string | undefined;
        try {
          text = canonicalize(data);
        } catch {
          return;
        }
        const canonical = lineOf(text!).toString('utf8');
        const mutated = mutations[m]!(canonical, pos % canonical.length);
        if (!expectSameVerdict(Buffer.from(mutated, 'utf8')).ok) refused++;
      }),
      { numRuns: 6000 },
    );
    expect(refused).toBeGreaterThan(1000);
  });

  it('agrees with the full check on random byte edits', () => {
    const base = lineOf('{"a":[1,-2,{"b":null}],"c":"x y","d":{"e":true,"f":false}}');
    fc.assert(
      fc.property(
        fc.nat(base.length - 1),
        fc.integer({ min: 0, max: 255 }),
        fc.boolean(),
        (at, byte, insert) => {
          const edited = insert
            ? Buffer.concat([base.subarray(0, at), Buffer.from([byte]), base.subarray(at)])
            : Buffer.concat([base.subarray(0, at), Buffer.from([byte]), base.subarray(at + 1)]);
          expectSameVerdict(edited);
        },
      ),
      { numRuns: 4000 },
    );
  });

  const refused: [string, Buffer, string][] = [
    ['keys out of order', lineOf('{"b":1,"a":2}'), 'AUDIT_LINE_NONCANONICAL'],
    [
      'integer-like keys in numeric, not code-unit, order',
      lineOf('{"2":1,"10":2}'),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'top-level keys out of order',
      Buffer.from(`{"kind":"a","data":{},"prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1}`),
      'AUDIT_LINE_NONCANONICAL',
    ],
    ['a duplicate key', lineOf('{"a":1,"a":1}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a duplicate key with different values', lineOf('{"a":1,"a":2}'), 'AUDIT_LINE_NONCANONICAL'],
    [
      'a duplicate top-level key',
      Buffer.from(
        `{"data":{},"data":{},"kind":"a","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1}`,
      ),
      'AUDIT_LINE_NONCANONICAL',
    ],
    ['a space after a colon', lineOf('{"a": 1}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a space after a comma', lineOf('{"a":1, "b":2}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a tab', lineOf('{"a":\t1}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a trailing space', Buffer.concat([lineOf('{}'), Buffer.from(' ')]), 'AUDIT_LINE_NONCANONICAL'],
    ['1.0', lineOf('{"a":1.0}'), 'AUDIT_LINE_NONCANONICAL'],
    ['1e2', lineOf('{"a":1e2}'), 'AUDIT_LINE_NONCANONICAL'],
    ['1E2', lineOf('{"a":1E2}'), 'AUDIT_LINE_NONCANONICAL'],
    ['-0', lineOf('{"a":-0}'), 'AUDIT_LINE_NONCANONICAL'],
    ['-0.0', lineOf('{"a":-0.0}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a leading zero', lineOf('{"a":01}'), 'AUDIT_LINE_MALFORMED'],
    ['a plus sign', lineOf('{"a":+1}'), 'AUDIT_LINE_MALFORMED'],
    [
      'an integer past 2^53 that does not round-trip',
      lineOf('{"a":9007199254740993}'),
      'AUDIT_LINE_NONCANONICAL',
    ],
    ['1e21 spelled out', lineOf('{"a":1000000000000000000000}'), 'AUDIT_LINE_NONCANONICAL'],
    ['0.50', lineOf('{"a":0.50}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a \\u escape of a letter', lineOf('{"a":"\\u0041"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a \\u escape in a key', lineOf('{"\\u0061":1}'), 'AUDIT_LINE_NONCANONICAL'],
    ['an upper-case \\u escape of a control character', lineOf('{"a":"\\u001F"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['\\u escape where JCS writes \\n', lineOf('{"a":"\\u000a"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['an escaped slash', lineOf('{"a":"\\/"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['an escaped non-ASCII character', lineOf('{"a":"\\u00fc"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['an escaped lone surrogate', lineOf('{"a":"\\ud800"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['a raw control character', lineOf('{"a":"\u0001"}'), 'AUDIT_LINE_MALFORMED'],
    ['a raw DEL escaped', lineOf('{"a":"\\u007f"}'), 'AUDIT_LINE_NONCANONICAL'],
    ['nesting one past the cap', lineOf(`{"a":${'['.repeat(31)}${']'.repeat(31)}}`), 'AUDIT_LINE_MALFORMED'],
    ['hostile nesting', lineOf(`{"a":${'['.repeat(100000)}${']'.repeat(100000)}}`), 'AUDIT_LINE_MALFORMED'],
    ['unclosed nesting', lineOf(`{"a":${'{"a":'.repeat(20)}1}`), 'AUDIT_LINE_MALFORMED'],
    [
      'seq with a leading zero',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":03,"time":"2026-01-02T03:04:05Z","v":1`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'seq as 3.0',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":3.0,"time":"2026-01-02T03:04:05Z","v":1`),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'an unsafe seq',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":9007199254740992,"time":"2026-01-02T03:04:05Z","v":1`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'v as 1.0',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1.0`),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'an upper-case prev',
      lineOf('{}', `"kind":"a","prev":"${PREV.toUpperCase()}","seq":3,"time":"2026-01-02T03:04:05Z","v":1`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'a local-offset time',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05+01:00","v":1`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'an escaped kind',
      lineOf('{}', `"kind":"\\u0061","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1`),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'an extra top-level key',
      lineOf('{}', `"kind":"a","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1,"w":1`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'data as an array',
      Buffer.from(`{"data":[],"kind":"a","prev":"${PREV}","seq":3,"time":"2026-01-02T03:04:05Z","v":1}`),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'a byte order mark',
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), lineOf('{}')]),
      'AUDIT_LINE_MALFORMED',
    ],
    ['a carriage return', Buffer.concat([lineOf('{}'), Buffer.from('\r')]), 'AUDIT_LINE_MALFORMED'],
    ['invalid UTF-8 inside a string', lineOf('{"a":"?"}').fill(0xff, 14, 15), 'AUDIT_LINE_MALFORMED'],
  ];
  for (const [what, line, code] of refused) {
    it(`refuses ${what} exactly as the full check does (${code})`, () => {
      expect(fastEntryHead(line)).toBeNull();
      const v = expectSameVerdict(line);
      expect(v).toMatchObject({ ok: false, code, seq: 7 });
    });
  }

  it('accepts nesting exactly at the cap, through both paths', () => {
    const line = lineOf(`{"a":${'['.repeat(30)}${']'.repeat(30)}}`);
    expect(fastEntryHead(line)).not.toBeNull();
    expect(expectSameVerdict(line).ok).toBe(true);
  });

  const fallbackAccepted: [string, Buffer][] = [
    ['non-ASCII text', lineOf('{"a":"\u00fc\ud83d\ude00"}')],
    ['a control character as JCS escapes it', lineOf('{"a":"\\u001f\\n\\t\\"\\\\"}')],
    ['a fraction', lineOf('{"a":1.5}')],
    ['an exponent as JCS writes it', lineOf('{"a":1e+21,"b":1e-7}')],
    ['a 16-digit integer', lineOf('{"a":1000000000000000}')],
    ['DEL written raw', lineOf('{"a":"\u007f"}')],
    ['integer-like keys in code-unit order', lineOf('{"10":1,"2":2}')],
  ];
  for (const [what, line] of fallbackAccepted) {
    it(`accepts ${what} (through the full check)`, () => {
      expect(expectSameVerdict(line).ok).toBe(true);
    });
  }
});
