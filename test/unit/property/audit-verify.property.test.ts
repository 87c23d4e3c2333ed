import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateAuditKeyPair, openAuditLog, verifyAuditLog } from '../../../src/audit/index.js';
import { type ErrorCode, VerificationError } from '../../../src/errors.js';

/**
 * Properties of the audit verifier over random logs written by the real writer:
 * a valid log always verifies (entry count and root as the writer reported), and any
 * one random corruption is always rejected with a VerificationError whose code fits
 * the corruption (and names the first bad entry where one can be named); nothing
 * else is ever thrown. Complements the hand-written tamper cases in test/unit/audit.
 */
const ORIGIN = 'example.com/property/airlock-audit';
const keys = generateAuditKeyPair();
const root = mkdtempSync(join(tmpdir(), 'airlock-prop-audit-'));
let counter = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));

const kind = fc.stringMatching(/^[a-z][a-z0-9.-]{0,20}$/);
// Event data as scanners and runs produce it: nested, unicode, numbers; bounded in size.
const data = fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
const events = fc.array(fc.record({ kind, data }), { minLength: 2, maxLength: 12 });

async function writeLog(evts: { kind: string; data: Record<string, unknown> }[]) {
  const dir = join(root, String(counter++));
  const log = join(dir, 'audit.jsonl');
  const w = await openAuditLog({
    log,
    origin: ORIGIN,
    signingKeyPem: keys.privatePem,
    syncEachAppend: false,
  });
  for (const e of evts) await w.append(e.kind, e.data);
  const closed = await w.close();
  return { log, checkpoint: `${log}.checkpoint`, closed };
}

/** Runs the verifier; returns the VerificationError, or null if it verified. Anything else fails the property. */
async function verifyError(log: string): Promise<VerificationError | null> {
  try {
    await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
    return null;
  } catch (e) {
    if (e instanceof VerificationError) return e;
    throw e;
  }
}

const CONTENT_CODES: ErrorCode[] = [
  'AUDIT_LINE_MALFORMED',
  'AUDIT_LINE_NONCANONICAL',
  'AUDIT_SEQ_MISMATCH',
  'AUDIT_CHAIN_BROKEN',
  'AUDIT_ROOT_MISMATCH',
  'AUDIT_TRUNCATED',
];
const ORDER_CODES: ErrorCode[] = ['AUDIT_SEQ_MISMATCH', 'AUDIT_CHAIN_BROKEN'];

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'delete'; line: number }
  | { kind: 'duplicate'; line: number }
  | { kind: 'swap'; a: number; b: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'checkpoint-flip'; at: number; bit: number };

const mutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('delete' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), line: fc.nat() }),
  fc.record({ kind: fc.constant('swap' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('checkpoint-flip' as const),
    at: fc.nat(),
    bit: fc.integer({ min: 0, max: 7 }),
  }),
);

/** Applies a mutation; returns the codes that may result and the seq that must be named, if any. */
function apply(m: Mutation, log: string, checkpoint: string): { codes: ErrorCode[]; seq?: number } | null {
  const bytes = readFileSync(log);
  const lines = bytes.toString('utf8').split('\n').slice(0, -1);
  const n = lines.length;
  const write = (ls: string[]) => writeFileSync(log, ls.map((l) => `${l}\n`).join(''));
  switch (m.kind) {
    case 'flip': {
      const b = Buffer.from(bytes);
      const at = m.at % b.length;
      b[at] = b[at]! ^ (1 << m.bit);
      writeFileSync(log, b);
      return { codes: [...CONTENT_CODES, 'AUDIT_UNSIGNED_TAIL'] };
    }
    case 'delete': {
      const i = m.line % n;
      write(lines.filter((_, j) => j !== i));
      return i === n - 1 ? { codes: ['AUDIT_TRUNCATED'] } : { codes: ORDER_CODES, seq: i };
    }
    case 'duplicate': {
      const i = m.line % n;
      write([...lines.slice(0, i + 1), lines[i]!, ...lines.slice(i + 1)]);
      return { codes: ORDER_CODES, seq: i + 1 };
    }
    case 'swap': {
      const a = m.a % n;
      const b = m.b % n;
      if (a === b) return null;
      const ls = [...lines];
      [ls[a], ls[b]] = [ls[b]!, ls[a]!];
      write(ls);
      return { codes: ORDER_CODES, seq: Math.min(a, b) };
    }
    case 'truncate': {
      writeFileSync(log, bytes.subarray(0, m.at % bytes.length));
      return { codes: ['AUDIT_TRUNCATED'] };
    }
    case 'checkpoint-flip': {
      const b = readFileSync(checkpoint);
      const at = m.at % b.length;
      b[at] = b[at]! ^ (1 << m.bit);
      writeFileSync(checkpoint, b);
      return {
        codes: [
          'AUDIT_CHECKPOINT_MALFORMED',
          'AUDIT_SIGNATURE_INVALID',
          'AUDIT_UNKNOWN_SIGNER',
          'AUDIT_ORIGIN_MISMATCH',
          'AUDIT_ROOT_MISMATCH',
          'AUDIT_TRUNCATED',
          'AUDIT_UNSIGNED_TAIL',
        ],
      };
    }
  }
}

describe('audit verifier properties', () => {
  it('a log written by the writer verifies, with the size and root the writer signed', async () => {
    await fc.assert(
      fc.asyncProperty(events, async (evts) => {
        const { log, closed } = await writeLog(evts);
        const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
        expect(v.entries).toBe(evts.length);
        expect(v.checkpointSize).toBe(closed.size);
        expect(v.root).toBe(closed.root);
        expect(v.signatureChecked).toBe(true);
      }),
      { numRuns: 40 },
    );
  });

  it('one random corruption is always rejected with a fitting code, never another exception', async () => {
    const seen: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(events, mutation, async (evts, m) => {
        const { log, checkpoint } = await writeLog(evts);
        const expected = apply(m, log, checkpoint);
        fc.pre(expected !== null);
        const err = await verifyError(log);
        expect(err, `${JSON.stringify(m)} went undetected`).not.toBeNull();
        expect(expected!.codes, `${JSON.stringify(m)}: ${err!.code} ${err!.message}`).toContain(err!.code);
        if (expected!.seq !== undefined) expect(err!.seq).toBe(expected!.seq);
        seen[`${m.kind}:${err!.code}`] = (seen[`${m.kind}:${err!.code}`] ?? 0) + 1;
      }),
      { numRuns: 150 },
    );
    // Every kind of corruption was exercised.
    for (const k of ['flip', 'delete', 'duplicate', 'swap', 'truncate', 'checkpoint-flip']) {
      expect(
        Object.keys(seen).some((s) => s.startsWith(`${k}:`)),
        k,
      ).toBe(true);
    }
  }, 120_000);
});
