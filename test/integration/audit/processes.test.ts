import { spawn } from 'node:child_process';
import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { entryOf, readLines, tempDir } from '../../unit/audit/fixtures.js';

const WORKER = join(import.meta.dirname, 'worker.ts');
const ORIGIN = 'example.com/acme/app/airlock-audit';

function runWorker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => {
      stdout += c;
    });
    child.stderr.on('data', (c) => {
      stderr += c;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function setup() {
  const dir = tempDir();
  const keys = generateAuditKeyPair();
  const keyFile = join(dir, 'private.pem');
  writeFileSync(keyFile, keys.privatePem, { mode: 0o600 });
  return { dir, keys, keyFile, log: join(dir, 'audit.jsonl') };
}

describe('audit log under real processes', () => {
  it('serialises concurrent appenders: every entry once, in one chain', async () => {
    const { keys, keyFile, log } = setup();
    const writers = 4;
    const perWriter = 25;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        runWorker(['append', log, keyFile, `w${w}`, String(perWriter)]),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(writers * perWriter);
    const seen = readLines(log).map((l) => {
      const d = entryOf(l).data;
      return `${d.writer}:${d.i}`;
    });
    expect(new Set(seen).size).toBe(writers * perWriter);
    // Each run's entries are contiguous: the lock is held for the whole run.
    const runs = readLines(log).map((l) => entryOf(l).data.writer);
    const changes = runs.filter((w, i) => i > 0 && w !== runs[i - 1]).length;
    expect(changes).toBe(writers - 1);
  });

  it('survives SIGKILL mid-append: the log verifies up to the tail, and the next run recovers', async () => {
    const { keys, keyFile, log } = setup();
    const sizeOf = () => (existsSync(log) ? statSync(log).size : 0);
    for (let round = 0; round < 3; round++) {
      const sizeBefore = sizeOf();
      const child = spawn(process.execPath, ['--import', 'tsx', WORKER, 'forever', log, keyFile], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      // Kill only once the writer has appended past what it found (on a loaded machine
      // 150 ms after "ready" may be before its first write, leaving nothing to recover).
      for (let i = 0; i < 3000 && sizeOf() <= sizeBefore; i++) await new Promise((r) => setTimeout(r, 10));
      expect(sizeOf(), 'the writer appended before it was killed').toBeGreaterThan(sizeBefore);
      await new Promise((r) => setTimeout(r, 50 + round * 50));
      child.kill('SIGKILL');
      await new Promise((r) => child.once('close', r));
      // Before recovery: verifies (non-strict); anything after the checkpoint is an
      // unsigned tail, possibly ending in a torn line.
      const before = await verifyAuditLog({ log, publicKeyPem: keys.publicPem }).catch((e) => e);
      if (round === 0) expect(before).toMatchObject({ code: 'AUDIT_CHECKPOINT_MISSING' });
      else expect(before).toMatchObject({ signatureChecked: true });
      expect(existsSync(`${log}.lock`), 'the killed writer left its lock').toBe(true);
      // The next run (with a stale lock left behind by the killed writer) recovers.
      const w = await openAuditLog({
        log,
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        lockTimeoutMs: 10_000,
      });
      await w.append('run.start', { round });
      await w.close();
      const after = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
      expect(after.tornTailBytes).toBe(0);
      const kinds = readLines(log).map((l) => entryOf(l));
      expect(kinds.filter((e) => e.kind === 'audit.recovered').length).toBeGreaterThan(round);
    }
  });

  it('waits for a live lock holder, then fails with AUDIT_LOCKED', async () => {
    const { keys, log } = setup();
    const holder = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await expect(
      openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem, lockTimeoutMs: 300 }),
    ).rejects.toMatchObject({ code: 'AUDIT_LOCKED' });
    await holder.close();
    const next = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      lockTimeoutMs: 300,
    });
    await next.close();
  });
});
