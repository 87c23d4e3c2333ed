import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { VerificationError } from '../../../src/errors.js';
import {
  ORIGIN,
  encode,
  entryOf,
  expectVerificationError,
  makeLog,
  readLines,
  tempDir,
  writeLines,
} from './fixtures.js';

const DAY = 24 * 60 * 60 * 1000;

describe('audit writer', () => {
  it('numbers and links concurrent append calls in call order', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    const w = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      syncEachAppend: false,
    });
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => w.append('script.scan', { i })));
    expect(results.map((r) => r.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const closed = await w.close();
    expect(closed).toMatchObject({ size: 50, firstSeq: 0 });
    expect(readFileSync(`${log}.checkpoint`, 'utf8')).toBe(closed.checkpoint);
    const lines = readLines(log);
    expect(lines.map((l) => entryOf(l).data.i)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(results[49]!.hash).toBe(
      (await import('node:crypto')).createHash('sha256').update(lines[49]!).digest('hex'),
    );
    await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
  });

  it('continues a log across runs, and the new checkpoint verifies', async () => {
    const t = await makeLog(3);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    expect(w.size).toBe(3);
    await w.append('run.start', { run: 2 });
    expect(await w.close()).toMatchObject({ size: 4, firstSeq: 3 });
    expect(await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, strict: true })).toMatchObject({
      entries: 4,
    });
  });

  it('cuts a torn tail, records that it did, and goes on', async () => {
    const t = await makeLog(4);
    const torn = Buffer.from('{"data":{"path":"x.py"},"kind":"scr');
    writeFileSync(t.log, Buffer.concat([readFileSync(t.log), torn]));
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w.append('run.start', {});
    await w.close();
    const entries = readLines(t.log).map(entryOf);
    expect(entries[4]).toMatchObject({
      seq: 4,
      kind: 'audit.recovered',
      data: { reason: 'torn-tail', droppedBytes: torn.length },
    });
    expect(entries[5]).toMatchObject({ seq: 5, kind: 'run.start' });
    await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, strict: true });
  });

  it('records an unsigned tail left by a run that never closed', async () => {
    const t = await makeLog(2);
    const w1 = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w1.append('run.start', {});
    await w1.abort();
    const w2 = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w2.close();
    expect(entryOf(readLines(t.log)[3]!)).toMatchObject({
      kind: 'audit.recovered',
      data: { reason: 'unsigned-tail', fromSeq: 2, entries: 1 },
    });
  });

  it('refuses to append to a log that does not verify', async () => {
    const t = await makeLog(5);
    const lines = readLines(t.log);
    const e = entryOf(lines[1]!);
    e.data.level = 'forged';
    lines[1] = encode(e);
    writeLines(t.log, lines);
    const before = readFileSync(t.log);
    await expectVerificationError(
      openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem }),
      'AUDIT_CHAIN_BROKEN',
      2,
    );
    expect(readFileSync(t.log).equals(before)).toBe(true);
    expect(existsSync(`${t.log}.lock`)).toBe(false);
  });

  it('refuses another origin or a key that did not sign the checkpoint', async () => {
    const t = await makeLog(2);
    await expect(
      openAuditLog({ log: t.log, origin: 'example.com/other', signingKeyPem: t.keys.privatePem }),
    ).rejects.toMatchObject({ code: 'AUDIT_ORIGIN_MISMATCH' });
    await expect(
      openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: generateAuditKeyPair().privatePem }),
    ).rejects.toMatchObject({ code: 'AUDIT_UNKNOWN_SIGNER' });
  });

  it('refuses an event the verifier would reject, without writing it', async () => {
    const t = await makeLog(1);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i++) deep = [deep];
    await expect(w.append('script.scan', { deep })).rejects.toBeInstanceOf(VerificationError);
    await expect(w.append('Bad Kind', {})).rejects.toMatchObject({ code: 'AUDIT_LINE_MALFORMED' });
    await w.append('script.scan', { ok: true });
    expect((await w.close()).size).toBe(2);
  });

  it('rejects a signing key that is not Ed25519, without quoting it', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
      format: 'pem',
      type: 'pkcs8',
    });
    const err = await openAuditLog({
      log: join(tempDir(), 'a.jsonl'),
      origin: ORIGIN,
      signingKeyPem: String(rsa),
    }).catch((e: Error & { code: string }) => e);
    expect(err).toMatchObject({ code: 'KEY_INVALID' });
    expect((err as Error).message).not.toContain('PRIVATE KEY');
  });
});

describe('audit rotation and retention', () => {
  async function run(
    log: string,
    keys: ReturnType<typeof generateAuditKeyPair>,
    at: number,
    n: number,
    rotation = {},
  ) {
    const w = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      rotation: { maxSegmentAgeMs: DAY, retentionDays: 30, ...rotation },
      now: () => new Date(at),
      syncEachAppend: false,
    });
    for (let i = 0; i < n; i++) await w.append('script.scan', { at, i });
    return w.close();
  }
  const t0 = Date.parse('2026-01-01T00:00:00Z');

  it('rotates by size into gzip segments; the chain and tree run on across them', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    for (let r = 0; r < 5; r++) await run(log, keys, t0 + r * 1000, 6, { maxSegmentBytes: 1000 });
    const segs = readdirSync(dir).filter((f) => f.endsWith('.gz'));
    expect(segs.length).toBeGreaterThanOrEqual(3);
    const r = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(r.entries).toBe(30);
  });

  it('names the entry when a closed segment is tampered, and refuses a missing segment', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    for (let r = 0; r < 3; r++) await run(log, keys, t0 + r * 2 * DAY, 4);
    const segs = readdirSync(dir)
      .filter((f) => f.endsWith('.gz'))
      .sort();
    expect(segs).toEqual(['audit.jsonl.seg-000000000000.gz', 'audit.jsonl.seg-000000000004.gz']);
    const second = join(dir, segs[1]!);
    const original = readFileSync(second);
    // Rewrite entry 5 inside the second segment.
    const { gunzipSync } = await import('node:zlib');
    const lines = gunzipSync(original).toString().split('\n');
    const e = JSON.parse(lines[1]!);
    e.data.i = 99;
    lines[1] = (await import('canonicalize')).default(e)!;
    writeFileSync(second, gzipSync(lines.join('\n')));
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem }),
      'AUDIT_CHAIN_BROKEN',
      6,
    );
    // Remove the segment altogether.
    const { unlinkSync } = await import('node:fs');
    unlinkSync(second);
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem }),
      'AUDIT_SEQ_MISMATCH',
      4,
    );
    // A segment renamed to claim other seqs.
    const { renameSync } = await import('node:fs');
    renameSync(join(dir, segs[0]!), join(dir, 'audit.jsonl.seg-000000000001.gz'));
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem }),
      'AUDIT_SEGMENT_INVALID',
      0,
    );
  });

  it('prunes expired segments behind an anchor; the rest still verifies; older trusted checkpoints cannot be checked', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    const first = await run(log, keys, t0, 3);
    for (const day of [2, 12, 40, 45]) await run(log, keys, t0 + day * DAY, 3);
    // Day 40 prunes the segments of days 0 and 2 (anchor at 6); day 45 the one of day 12
    // (anchor at 9). Only the segment closed at day 45 and the active file remain.
    expect(existsSync(`${log}.anchor.json`)).toBe(true);
    const segs = readdirSync(dir)
      .filter((f) => f.endsWith('.gz'))
      .sort();
    expect(segs).toEqual(['audit.jsonl.seg-000000000009.gz']);
    const r = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(r).toMatchObject({ firstSeq: 9 });
    const recovered = readLines(log)
      .map(entryOf)
      .find((e) => e.kind === 'audit.recovered');
    expect(recovered?.data).toMatchObject({ reason: 'pruned', prunedTo: 9, segments: 1 });
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem, trustedCheckpoint: first.checkpoint }),
      'AUDIT_PRUNED',
      undefined,
    );
  });

  it('a forged anchor cannot produce the signed root', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    for (const day of [0, 2, 40]) await run(log, keys, t0 + day * DAY, 3);
    const anchor = JSON.parse(readFileSync(`${log}.anchor.json`, 'utf8'));
    anchor.rightEdge[0] = 'ab'.repeat(32);
    writeFileSync(`${log}.anchor.json`, (await import('canonicalize')).default(anchor)!);
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem }),
      'AUDIT_ROOT_MISMATCH',
      undefined,
    );
  });

  it('finishes a rotation interrupted between the segment rename and emptying the active file', async () => {
    const t = await makeLog(5);
    writeFileSync(join(t.dir, 'audit.jsonl.seg-000000000000.gz'), gzipSync(readFileSync(t.log)));
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w.close();
    expect(entryOf(readLines(t.log)[0]!)).toMatchObject({ seq: 5, data: { reason: 'interrupted-rotation' } });
    await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, strict: true });
  });

  it('finishes a prune interrupted after the anchor was written', async () => {
    const dir = tempDir();
    const keys = generateAuditKeyPair();
    const log = join(dir, 'audit.jsonl');
    for (const day of [0, 2]) await run(log, keys, t0 + day * DAY, 3);
    const seg0 = join(dir, 'audit.jsonl.seg-000000000000.gz');
    const keep = readFileSync(seg0);
    await run(log, keys, t0 + 40 * DAY, 1);
    expect(existsSync(seg0)).toBe(false);
    writeFileSync(seg0, keep); // as if the crash came before the unlink
    await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
    await run(log, keys, t0 + 41 * DAY, 1);
    expect(existsSync(seg0)).toBe(false);
    await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    cpSync(dir, tempDir(), { recursive: true });
  });
});
