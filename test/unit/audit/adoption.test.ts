import { copyFileSync, existsSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { auditLockTimeoutMs } from '../../../src/settings/gate-settings.js';
import { makeLog, ORIGIN, readLines, tempDir } from './fixtures.js';

/**
 * Which existing logs a writer extends (issue 21 items 7 and 10): never one with entries
 * and no checkpoint (a committed or copied file: not ours), a log's checkpoint is its own
 * (`F.checkpoint`, so two logs in one directory do not share one), and a log from before
 * that name still opens through its old `checkpoint`.
 */
describe('which logs a writer extends', () => {
  it('refuses a log with entries but no checkpoint (AUDIT_CHECKPOINT_MISSING), and leaves it untouched', async () => {
    const t = await makeLog(4);
    unlinkSync(t.checkpoint);
    const before = readFileSync(t.log);
    await expect(
      openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem }),
    ).rejects.toMatchObject({ code: 'AUDIT_CHECKPOINT_MISSING' });
    expect(readFileSync(t.log).equals(before)).toBe(true);
    expect(existsSync(t.checkpoint), 'nothing signed').toBe(false);
  });

  it('gives a new log its checkpoint before the first entry', async () => {
    const dir = tempDir();
    const log = join(dir, 'new.jsonl');
    const w = await openAuditLog({ log, origin: ORIGIN });
    expect(readFileSync(`${log}.checkpoint`, 'utf8').split('\n')[1]).toBe('0');
    await w.append('run.start', {});
    // A crash here leaves an unsigned tail behind a checkpoint: a log that is ours.
    await w.abort();
    const v = await verifyAuditLog({ log });
    expect(v).toMatchObject({ checkpointSize: 0, unsignedTail: 1 });
    const next = await openAuditLog({ log, origin: ORIGIN });
    await next.close();
    const reasons = readLines(log)
      .map((l) => JSON.parse(l.toString()))
      .filter((e) => e.kind === 'audit.recovered')
      .map((e) => e.data.reason);
    expect(reasons).toEqual(['unsigned-tail']);
  });

  it('two logs in one directory each keep their own checkpoint', async () => {
    const dir = tempDir();
    const a = await makeLog(3, { dir });
    // A second log beside it (makeLog names every log audit.jsonl: write another by hand).
    const other = join(dir, 'other.jsonl');
    const w = await openAuditLog({ log: other, origin: ORIGIN, signingKeyPem: a.keys.privatePem });
    for (let i = 0; i < 5; i++) await w.append('script.scan', { i });
    await w.close();
    expect((await verifyAuditLog({ log: a.log, publicKeyPem: a.keys.publicPem, strict: true })).entries).toBe(
      3,
    );
    expect((await verifyAuditLog({ log: other, publicKeyPem: a.keys.publicPem, strict: true })).entries).toBe(
      5,
    );
    expect(existsSync(join(dir, 'checkpoint'))).toBe(false);
  });

  it('reads a pre-existing log whose checkpoint is the old shared name `checkpoint`', async () => {
    const t = await makeLog(3);
    const legacy = join(t.dir, 'checkpoint');
    renameSync(t.checkpoint, legacy);
    expect((await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem })).entries).toBe(3);
    const w = await openAuditLog({ log: t.log, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w.append('run.start', {});
    const closed = await w.close();
    expect(readFileSync(t.checkpoint, 'utf8')).toBe(closed.checkpoint);
    expect((await verifyAuditLog({ log: t.log, publicKeyPem: t.keys.publicPem, strict: true })).entries).toBe(
      4,
    );
    // The old name is never read for a new, empty log beside it: it belongs to another log.
    const fresh = join(t.dir, 'fresh.jsonl');
    copyFileSync(t.checkpoint, legacy);
    const w2 = await openAuditLog({ log: fresh, origin: ORIGIN, signingKeyPem: t.keys.privatePem });
    await w2.close();
    expect((await verifyAuditLog({ log: fresh, publicKeyPem: t.keys.publicPem })).entries).toBe(0);
  });
});

describe('AIRLOCK_AUDIT_LOCK_TIMEOUT', () => {
  it('is seconds, and a bad value is a named INPUT_INVALID', () => {
    expect(auditLockTimeoutMs({})).toBeUndefined();
    expect(auditLockTimeoutMs({ AIRLOCK_AUDIT_LOCK_TIMEOUT: '90' })).toBe(90_000);
    expect(auditLockTimeoutMs({ AIRLOCK_AUDIT_LOCK_TIMEOUT: '0.5' })).toBe(500);
    for (const bad of ['0', '-1', 'ten', '1e9', '7200']) {
      expect(() => auditLockTimeoutMs({ AIRLOCK_AUDIT_LOCK_TIMEOUT: bad }), bad).toThrow(
        expect.objectContaining({
          code: 'INPUT_INVALID',
          message: expect.stringContaining('AIRLOCK_AUDIT_LOCK_TIMEOUT'),
        }),
      );
    }
  });
});
