import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCheckpoint } from '../../../src/audit/checkpoint.js';
import { generateAuditKeyPair, loadPrivateKey } from '../../../src/audit/keys.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { describeVerification } from '../../../src/cli/commands/audit-verify.js';
import { AirlockError } from '../../../src/errors.js';
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

/** A log of `n` entries written without any signing key. */
async function unsignedLog(n: number) {
  const dir = tempDir();
  const log = join(dir, 'audit.jsonl');
  const w = await openAuditLog({ log, origin: ORIGIN, syncEachAppend: false });
  for (let i = 0; i < n; i++) await w.append('script.scan', { i });
  const closed = await w.close();
  return { dir, log, closed };
}

describe('an audit log without a signing key', () => {
  it('is written and chained; its checkpoint is the bare C2SP body, marked unsigned', async () => {
    const { log, closed } = await unsignedLog(4);
    expect(closed).toMatchObject({ signed: false, size: 4 });
    const text = readFileSync(`${log}.checkpoint`, 'utf8');
    // origin, size, root, and no blank line or signature line after them.
    expect(text).toBe(`${ORIGIN}\n4\n${closed.root}\n`);
    expect(parseCheckpoint(Buffer.from(text)).signed).toBe(false);
    const r = await verifyAuditLog({ log });
    expect(r).toMatchObject({
      entries: 4,
      checkpointSize: 4,
      checkpointSigned: false,
      signatureChecked: false,
    });
  });

  it('still catches an edited entry: the chain does not depend on the key', async () => {
    const { log } = await unsignedLog(4);
    const lines = readLines(log);
    const e = entryOf(lines[1]!);
    e.data.i = 99;
    lines[1] = encode(e);
    writeLines(log, lines);
    await expectVerificationError(verifyAuditLog({ log }), 'AUDIT_CHAIN_BROKEN', 2);
  });

  it('fails under --strict and when a public key is expected', async () => {
    const { log } = await unsignedLog(2);
    await expectVerificationError(verifyAuditLog({ log, strict: true }), 'AUDIT_CHECKPOINT_UNSIGNED');
    const keys = generateAuditKeyPair();
    await expectVerificationError(
      verifyAuditLog({ log, publicKeyPem: keys.publicPem }),
      'AUDIT_CHECKPOINT_UNSIGNED',
    );
  });

  it('a signed checkpoint stripped of its signature is reported unsigned, and fails with the key', async () => {
    const t = await makeLog(3);
    const cp = t.checkpoint;
    const signed = readFileSync(cp, 'utf8');
    writeFileSync(cp, signed.slice(0, signed.indexOf('\n\n') + 1));
    expect((await verifyAuditLog({ log: t.log })).checkpointSigned).toBe(false);
    await expectVerificationError(
      verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem }),
      'AUDIT_CHECKPOINT_UNSIGNED',
    );
    // A blank line with no signature after it is not the unsigned form: malformed.
    writeFileSync(cp, signed.slice(0, signed.indexOf('\n\n') + 2));
    await expectVerificationError(verifyAuditLog({ log: t.log }), 'AUDIT_CHECKPOINT_MALFORMED');
  });

  it('a keyless writer refuses to extend a signed log rather than drop its signature', async () => {
    const t = await makeLog(3);
    const before = readFileSync(t.checkpoint, 'utf8');
    let error: unknown;
    await openAuditLog({ log: t.log, origin: ORIGIN }).catch((e) => {
      error = e;
    });
    expect(error).toBeInstanceOf(AirlockError);
    expect((error as AirlockError).code).toBe('AUDIT_KEY_REQUIRED');
    expect(readFileSync(t.checkpoint, 'utf8')).toBe(before);
  });

  it('a keyed writer may sign an unsigned log and records that the prefix was unsigned', async () => {
    const { log } = await unsignedLog(2);
    const keys = generateAuditKeyPair();
    const w = await openAuditLog({ log, origin: ORIGIN, signingKey: loadPrivateKey(keys.privatePem) });
    await w.append('script.scan', { i: 2 });
    expect((await w.close()).signed).toBe(true);
    const r = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(r).toMatchObject({ checkpointSigned: true, signatureChecked: true, entries: 4 });
    const recovered = entryOf(readLines(log)[2]!);
    expect(recovered).toMatchObject({
      kind: 'audit.recovered',
      data: { reason: 'unsigned-checkpoint', size: 2 },
    });
  });

  it('the CLI text says what was and was not checked, never a bare ok', async () => {
    const { log } = await unsignedLog(2);
    const lines = describeVerification(await verifyAuditLog({ log }), undefined);
    expect(lines[0]).toBe('status: unsigned (the checkpoint carries no signature)');
    expect(lines.some((l) => /^ok\b/.test(l))).toBe(false);
    expect(lines).toContain('signature: none: the log was written without a signing key');

    const t = await makeLog(2);
    const notChecked = describeVerification(await verifyAuditLog({ log: t.log }), undefined);
    expect(notChecked[0]).toBe('status: signed, signature NOT checked (no --public-key)');
    const checked = describeVerification(
      await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem }),
      t.keys.publicPem,
    );
    expect(checked[0]).toBe('status: signed, signature verified');
    expect(checked[3]).toMatch(
      new RegExp(`^signature: verified, by ${ORIGIN.replace(/\./g, '\\.')}\\+[0-9a-f]{8}\\+`),
    );
  });
});
