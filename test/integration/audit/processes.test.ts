import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import { entryOf, readLines, tempDir } from '../../unit/audit/fixtures.js';

const WORKER = join(import.meta.dirname, 'worker.ts');
const CLI = join(import.meta.dirname, '../../../src/cli/index.ts');
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
  writeFileSync(join(dir, 'public.pem'), keys.publicPem);
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
  });

  it('5 parallel gate-length runs on one log all finish (the lock is held per append, not per run)', async () => {
    // Issue 21 item 7: with the lock held for a whole run, 2 of 5 parallel 34-script gates
    // ended AUDIT_LOCKED. Each run here lasts ~3.4 s (34 entries, 100 ms apart) and may
    // wait 5 s for the lock: serialised runs would need 17 s, so the later ones would fail.
    const { keys, keyFile, log } = setup();
    const writers = 5;
    const perWriter = 34;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) =>
        runWorker(['append', log, keyFile, `g${w}`, String(perWriter), '100', '5000']),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    for (const r of results) expect(JSON.parse(r.stdout)).toMatchObject({ appended: perWriter });
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(writers * perWriter);
    const entries = readLines(log).map((l) => entryOf(l));
    // Nobody mistook a live run's entries for a crashed run's unsigned tail.
    expect(entries.filter((e) => e.kind === 'audit.recovered')).toEqual([]);
    // The runs really overlapped: their entries interleave.
    const runs = entries.map((e) => e.data.writer);
    expect(runs.filter((w, i) => i > 0 && w !== runs[i - 1]).length).toBeGreaterThan(writers);
    // The CLI verifier agrees.
    const cli = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        CLI,
        'audit',
        'verify',
        log,
        '--public-key',
        join(dirname(keyFile), 'public.pem'),
        '--strict',
      ],
      { encoding: 'utf8' },
    );
    expect(cli.status, cli.stderr).toBe(0);
  });

  it('two logs in one directory each have their own checkpoint and each verify', async () => {
    const { dir, keys, keyFile } = setup();
    const logs = [join(dir, 'a.jsonl'), join(dir, 'b.jsonl')];
    const results = await Promise.all(
      logs.flatMap((log, l) =>
        [0, 1].map((w) => runWorker(['append', log, keyFile, `l${l}w${w}`, '10', '20', '10000'])),
      ),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    for (const log of logs) {
      expect(existsSync(`${log}.checkpoint`)).toBe(true);
      const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
      expect(v.entries).toBe(20);
    }
    expect(existsSync(join(dir, 'checkpoint')), 'no shared checkpoint file').toBe(false);
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
      // A new log gets its (signed, size 0) checkpoint before its first entry, so even the
      // first run's leftovers verify as an unsigned tail.
      const before = await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
      expect(before).toMatchObject({ signatureChecked: true });
      expect(before.unsignedTail + (before.tornTailBytes > 0 ? 1 : 0)).toBeGreaterThan(0);
      // The next run (with the killed writer's marker, and maybe its lock, left behind) recovers.
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
      expect(
        kinds.filter((e) => e.kind === 'audit.recovered' && e.data.reason === 'unsigned-tail').length,
      ).toBe(round + 1);
      expect(
        readdirSync(dirname(log)).filter((n) => n.includes('.writer-')),
        'dead markers swept',
      ).toEqual([]);
    }
  });

  it('an open writer does not block another; a live lock holder is waited for up to the timeout', async () => {
    const { keys, log } = setup();
    const first = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    const second = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      lockTimeoutMs: 300,
    });
    await first.append('run.start', { w: 1 });
    await second.append('run.start', { w: 2 });
    await first.append('run.end', { w: 1 });
    await second.close();
    await first.close();
    expect((await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true })).entries).toBe(3);
    // A lock held by a live process (this one, as if stuck mid-append): waited for, then AUDIT_LOCKED.
    writeFileSync(`${log}.lock`, `${process.pid} ${hostname()}\n`);
    const t0 = Date.now();
    await expect(
      openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem, lockTimeoutMs: 400 }),
    ).rejects.toMatchObject({ code: 'AUDIT_LOCKED' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(400);
    expect(Date.now() - t0).toBeLessThan(3_000);
    unlinkSync(`${log}.lock`);
    const next = await openAuditLog({
      log,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      lockTimeoutMs: 300,
    });
    await next.close();
  });
});
