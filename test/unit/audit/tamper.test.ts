import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatCheckpointBody, parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { generateAuditKeyPair, loadPrivateKey, loadPublicKey } from '../../../src/audit/keys.js';
import { rootOf } from '../../../src/audit/merkle.js';
import { signNote } from '../../../src/audit/signed-note.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import {
  ORIGIN,
  encode,
  entryOf,
  expectVerificationError,
  lineHash,
  makeLog,
  readLines,
  tempDir,
  writeLines,
} from './fixtures.js';

// Every way of tampering the issue lists: each must fail with its own code and name
// the entry (seq) where one can be named. A root mismatch cannot point at an entry
// (the checkpoint only commits to the root), so its seq is undefined.

async function verify(t: { log: string; keys: { publicPem: string } }, extra: object = {}) {
  return verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, ...extra });
}

/** Rewrites entry `i` through `edit`, keeping it canonical. */
function editEntry(log: string, i: number, edit: (e: ReturnType<typeof entryOf>) => void): void {
  const lines = readLines(log);
  const e = entryOf(lines[i]!);
  edit(e);
  lines[i] = encode(e);
  writeLines(log, lines);
}

/** Re-links every entry from `from` on, as someone without the key would after an edit. */
function relinkFrom(log: string, from: number): Buffer[] {
  const lines = readLines(log);
  for (let i = Math.max(from, 1); i < lines.length; i++) {
    const e = entryOf(lines[i]!);
    e.prev = lineHash(lines[i - 1]!);
    lines[i] = encode(e);
  }
  writeLines(log, lines);
  return lines;
}

describe('audit verify: a clean log', () => {
  it('verifies, with the counts and root of its checkpoint', async () => {
    const t = await makeLog(10);
    const r = await verify(t);
    expect(r).toMatchObject({ entries: 10, checkpointSize: 10, unsignedTail: 0, signatureChecked: true });
    const leaves = readLines(t.log).map((l) => l.subarray(0, l.length - 1));
    expect(r.root).toBe(rootOf(leaves).toString('base64'));
  });
});

describe('audit verify: tampered entries', () => {
  it('an edited field breaks the next link', async () => {
    const t = await makeLog(10);
    editEntry(t.log, 3, (e) => {
      e.data.level = 'low-enough';
    });
    await expectVerificationError(verify(t), 'AUDIT_CHAIN_BROKEN', 4);
  });

  it('an edited last entry is caught by the Merkle root', async () => {
    const t = await makeLog(10);
    editEntry(t.log, 9, (e) => {
      e.kind = 'script.decision';
    });
    await expectVerificationError(verify(t), 'AUDIT_ROOT_MISMATCH', undefined);
  });

  it('a single flipped bit anywhere in the log never verifies', async () => {
    const t = await makeLog(4);
    const good = readFileSync(t.log);
    for (let off = 0; off < good.length; off += 7) {
      const bad = Buffer.from(good);
      bad[off] = bad[off]! ^ 0x01;
      writeFileSync(t.log, bad);
      await expect(verify(t), `flip at byte ${off}`).rejects.toThrow();
    }
  });

  it('a flipped hex digit in prev is named at that entry', async () => {
    const t = await makeLog(10);
    editEntry(t.log, 5, (e) => {
      e.prev = (e.prev[0] === 'a' ? 'b' : 'a') + e.prev.slice(1);
    });
    await expectVerificationError(verify(t), 'AUDIT_CHAIN_BROKEN', 5);
  });

  it('a deleted entry', async () => {
    const t = await makeLog(10);
    const lines = readLines(t.log);
    lines.splice(4, 1);
    writeLines(t.log, lines);
    await expectVerificationError(verify(t), 'AUDIT_SEQ_MISMATCH', 4);
  });

  it('a deleted entry with the rest renumbered and re-linked (no key) fails on the root', async () => {
    const t = await makeLog(10);
    const lines = readLines(t.log);
    lines.splice(4, 1);
    for (let i = 4; i < lines.length; i++) {
      const e = entryOf(lines[i]!);
      e.seq = i;
      e.prev = lineHash(lines[i - 1]!);
      lines[i] = encode(e);
    }
    writeLines(t.log, lines);
    // 9 lines against a checkpoint of 10: truncation is the first thing that cannot hold.
    await expectVerificationError(verify(t), 'AUDIT_TRUNCATED', 9);
  });

  it('an inserted entry (well-formed, linked to its predecessor)', async () => {
    const t = await makeLog(10);
    const lines = readLines(t.log);
    const forged = encode({
      ...entryOf(lines[3]!),
      seq: 4,
      prev: lineHash(lines[3]!),
      kind: 'script.decision',
    });
    lines.splice(4, 0, forged);
    writeLines(t.log, lines);
    await expectVerificationError(verify(t), 'AUDIT_SEQ_MISMATCH', 5);
  });

  it('a duplicated entry', async () => {
    const t = await makeLog(10);
    const lines = readLines(t.log);
    lines.splice(7, 0, lines[6]!);
    writeLines(t.log, lines);
    await expectVerificationError(verify(t), 'AUDIT_SEQ_MISMATCH', 7);
  });

  it('reordered entries', async () => {
    const t = await makeLog(10);
    const lines = readLines(t.log);
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    writeLines(t.log, lines);
    await expectVerificationError(verify(t), 'AUDIT_SEQ_MISMATCH', 2);
  });

  it('hashes recomputed after an edit (no key): the root no longer matches', async () => {
    const t = await makeLog(10);
    editEntry(t.log, 3, (e) => {
      e.data.level = 'low';
    });
    relinkFrom(t.log, 4);
    await expectVerificationError(verify(t), 'AUDIT_ROOT_MISMATCH', undefined);
  });

  it('hashes AND checkpoint root recomputed (no key): the signature fails', async () => {
    const t = await makeLog(10);
    editEntry(t.log, 3, (e) => {
      e.data.level = 'low';
    });
    const lines = relinkFrom(t.log, 4);
    const cp = readFileSync(t.checkpoint, 'utf8');
    const root = rootOf(lines.map((l) => l.subarray(0, l.length - 1))).toString('base64');
    writeFileSync(t.checkpoint, cp.replace(/^(.*\n.*\n).*\n/, `$1${root}\n`));
    await expectVerificationError(verify(t), 'AUDIT_SIGNATURE_INVALID', undefined);
  });
});

describe('audit verify: malformed and non-canonical lines', () => {
  const cases: [string, (line: Buffer) => Buffer, string][] = [
    [
      'invalid UTF-8',
      (l) => Buffer.concat([l.subarray(0, 20), Buffer.from([0xc3, 0x28]), l.subarray(22)]),
      'AUDIT_LINE_MALFORMED',
    ],
    ['a byte order mark', (l) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), l]), 'AUDIT_LINE_MALFORMED'],
    [
      'a CRLF ending',
      (l) => Buffer.concat([l.subarray(0, l.length - 1), Buffer.from('\r\n')]),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'insignificant whitespace',
      (l) => Buffer.from(l.toString().replace('{"data":', '{ "data":')),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'keys out of order',
      (l) => {
        const e = entryOf(l);
        return Buffer.from(
          `${JSON.stringify({ v: e.v, seq: e.seq, prev: e.prev, time: e.time, kind: e.kind, data: e.data })}\n`,
        );
      },
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'a duplicate key',
      (l) => Buffer.from(l.toString().replace('{"data":', '{"data":{},"data":')),
      'AUDIT_LINE_NONCANONICAL',
    ],
    [
      'an escaped character JCS writes raw',
      (l) => Buffer.from(l.toString().replace('ü', '\\u00fc')),
      'AUDIT_LINE_NONCANONICAL',
    ],
    ['not JSON', () => Buffer.from('{"data":\n'), 'AUDIT_LINE_MALFORMED'],
    [
      'a missing field',
      (l) => {
        const { kind: _k, ...rest } = entryOf(l);
        return Buffer.from(`${JSON.stringify(rest)}\n`);
      },
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'a huge line',
      (l) => Buffer.from(l.toString().replace('"note":"', `"note":"${'x'.repeat(2 * 1024 * 1024)}`)),
      'AUDIT_LINE_MALFORMED',
    ],
    [
      'deep nesting',
      (l) =>
        Buffer.from(l.toString().replace('"note":', `"note":${'['.repeat(5000)}${']'.repeat(5000)},"x":`)),
      'AUDIT_LINE_MALFORMED',
    ],
  ];
  for (const [what, mangle, code] of cases) {
    it(`a line with ${what} is ${code} at its seq`, async () => {
      const t = await makeLog(6);
      const lines = readLines(t.log);
      lines[2] = mangle(lines[2]!);
      writeLines(t.log, lines);
      await expectVerificationError(verify(t), code, 2);
    });
  }

  it('a BOM at the very start of the file is named at entry 0', async () => {
    const t = await makeLog(3);
    writeFileSync(t.log, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), readFileSync(t.log)]));
    await expectVerificationError(verify(t), 'AUDIT_LINE_MALFORMED', 0);
  });
});

describe('audit verify: checkpoints', () => {
  const mangle = async (edit: (cp: string) => string) => {
    const t = await makeLog(5);
    writeFileSync(t.checkpoint, edit(readFileSync(t.checkpoint, 'utf8')));
    return t;
  };

  const malformed: [string, (cp: string) => string][] = [
    ['a hyphen instead of the em dash', (cp) => cp.replace('\u2014 ', '- ')],
    ['an en dash instead of the em dash', (cp) => cp.replace('\u2014 ', '\u2013 ')],
    ['size 042', (cp) => cp.replace(/\n5\n/, '\n05\n')],
    ['size +5', (cp) => cp.replace(/\n5\n/, '\n+5\n')],
    ['junk in the signature base64', (cp) => cp.replace(/ (\S{10})\S(\S+)\n$/, ' $1!$2\n')],
    [
      'non-canonical base64 (unused bits set)',
      (cp) =>
        cp.replace(/(\S)=\n$/, (_m, c: string) => {
          const abc = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
          return `${abc[abc.indexOf(c) ^ 1]}=\n`;
        }),
    ],
    ['a CRLF', (cp) => cp.replace(/\n/g, '\r\n')],
    ['no blank line before the signatures', (cp) => cp.replace('\n\n', '\n')],
    ['no final newline', (cp) => cp.slice(0, -1)],
    ['a signature shorter than a key ID', (cp) => cp.replace(/ \S+\n$/, ' AAAA\n')],
    ['an extension line in the body', (cp) => cp.replace('\n\n', '\nextra\n\n')],
  ];
  for (const [what, edit] of malformed) {
    it(`rejects a checkpoint with ${what}`, async () => {
      const t = await mangle(edit);
      await expectVerificationError(verify(t), 'AUDIT_CHECKPOINT_MALFORMED', undefined);
    });
  }

  it('a short signature under our key ID is an invalid signature', async () => {
    const t = await mangle((cp) => {
      const blob = Buffer.from(cp.match(/ (\S+)\n$/)![1]!, 'base64');
      return cp.replace(/ \S+\n$/, ` ${blob.subarray(0, 20).toString('base64')}\n`);
    });
    await expectVerificationError(verify(t), 'AUDIT_SIGNATURE_INVALID', undefined);
  });

  it('a forged signature under our key ID is an invalid signature', async () => {
    const t = await mangle((cp) => {
      const blob = Buffer.from(cp.match(/ (\S+)\n$/)![1]!, 'base64');
      blob[10] = blob[10]! ^ 0xff;
      return cp.replace(/ \S+\n$/, ` ${blob.toString('base64')}\n`);
    });
    await expectVerificationError(verify(t), 'AUDIT_SIGNATURE_INVALID', undefined);
  });

  it('a checkpoint signed only by an unknown key', async () => {
    const t = await makeLog(5);
    const other = generateAuditKeyPair();
    const cp = parseCheckpoint(readFileSync(t.checkpoint));
    const pub = loadPublicKey(other.publicPem);
    writeFileSync(
      t.checkpoint,
      signNote(formatCheckpointBody(cp), ORIGIN, loadPrivateKey(other.privatePem), pub),
    );
    await expectVerificationError(verify(t), 'AUDIT_UNKNOWN_SIGNER', undefined);
  });

  it('verifying with the wrong public key', async () => {
    const t = await makeLog(5);
    await expectVerificationError(
      verifyAuditLog({ log: t.log, publicKeyPem: generateAuditKeyPair().publicPem }),
      'AUDIT_UNKNOWN_SIGNER',
      undefined,
    );
  });

  it('a missing checkpoint', async () => {
    const t = await mangle((cp) => cp);
    const { unlinkSync } = await import('node:fs');
    unlinkSync(t.checkpoint);
    await expectVerificationError(verify(t), 'AUDIT_CHECKPOINT_MISSING', undefined);
  });

  it('truncation below the checkpoint size names the first missing entry', async () => {
    const t = await makeLog(10);
    writeLines(t.log, readLines(t.log).slice(0, 7));
    await expectVerificationError(verify(t), 'AUDIT_TRUNCATED', 7);
  });
});

describe('audit verify: against a trusted older checkpoint', () => {
  it('accepts a log that extends it', async () => {
    const t = await makeLog(6);
    const trusted = readFileSync(t.checkpoint);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w.append('run.start', { n: 1 });
    await w.close();
    const r = await verify(t, { trustedCheckpoint: trusted });
    expect(r).toMatchObject({ entries: 7, trustedCheckpointChecked: true });
  });

  it('catches a rollback to an older signed state', async () => {
    const t = await makeLog(6);
    const oldLog = `${t.log}.old`;
    const oldCp = `${t.checkpoint}.old`;
    copyFileSync(t.log, oldLog);
    copyFileSync(t.checkpoint, oldCp);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    for (let i = 0; i < 4; i++) await w.append('run.start', { i });
    await w.close();
    const trusted = readFileSync(t.checkpoint);
    copyFileSync(oldLog, t.log);
    copyFileSync(oldCp, t.checkpoint);
    await verify(t); // on its own the old state is a valid log...
    await expectVerificationError(verify(t, { trustedCheckpoint: trusted }), 'AUDIT_INCONSISTENT', 6);
  });

  it('catches a fork: a re-signed rewritten history with the same key', async () => {
    const keys = generateAuditKeyPair();
    const a = await makeLog(6, { keys, tag: 'a' });
    const b = await makeLog(10, { keys, tag: 'b' });
    await verify(b); // the key holder's rewrite verifies on its own
    await expectVerificationError(
      verify(b, { trustedCheckpoint: readFileSync(a.checkpoint) }),
      'AUDIT_INCONSISTENT',
      5,
    );
  });
});

describe('audit verify: tails', () => {
  it('reports an unsigned tail, and --strict fails it', async () => {
    const t = await makeLog(5);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w.append('run.start', {});
    await w.append('run.start', {});
    await w.abort();
    expect(await verify(t)).toMatchObject({ entries: 7, checkpointSize: 5, unsignedTail: 2 });
    await expectVerificationError(verify(t, { strict: true }), 'AUDIT_UNSIGNED_TAIL', 5);
  });

  it('reports a torn last line, and --strict fails it', async () => {
    const t = await makeLog(5);
    writeFileSync(t.log, Buffer.concat([readFileSync(t.log), Buffer.from('{"data":{"pa')]));
    expect(await verify(t)).toMatchObject({ entries: 5, tornTailBytes: 12 });
    await expectVerificationError(verify(t, { strict: true }), 'AUDIT_UNSIGNED_TAIL', 5);
  });

  it('without a public key the chain and root are checked but the signature is reported unchecked', async () => {
    const t = await makeLog(3);
    expect(await verifyAuditLog({ log: t.log })).toMatchObject({ signatureChecked: false, entries: 3 });
  });

  it('an empty directory is not a log', async () => {
    await expectVerificationError(
      verifyAuditLog({ log: `${tempDir()}/audit.jsonl` }),
      'AUDIT_CHECKPOINT_MISSING',
    );
  });
});
