import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  generateAuditKeyPair,
  openAuditLog,
  publishAuditLog,
  verifyAuditLog,
} from '../../../src/audit/index.js';
import { isAirlockError } from '../../../src/errors.js';
import { runCommand, tryRunCommand } from '../../../src/exec/run-command.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';

/**
 * Faults around the audit log: the disk fills mid-append, Airlock is SIGKILLed
 * mid-append, and the audit branch rejects every push. Each must end in a typed error,
 * never a crash, and leave a log that still verifies (after the documented recovery).
 */
const ORIGIN = 'localhost/faults/airlock-audit';
const keys = generateAuditKeyPair();
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-audit-faults-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('disk full while writing the audit log', () => {
  const mnt = () => join(dir, 'small');

  beforeAll(async () => {
    await mkdir(mnt());
    // 64 KiB: a few dozen entries fit, then ENOSPC (we are root; the test owns the mount).
    await runCommand('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'tmpfs', mnt()], {
      code: 'AUDIT_IO',
    });
  });
  afterAll(async () => {
    await tryRunCommand('umount', [mnt()]);
  });

  it('fails with a typed error, keeps every acknowledged entry, and verifies after space returns', async () => {
    const log = join(mnt(), 'audit.jsonl');
    const first = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await first.append('fault.start', {});
    await first.close();

    const w = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    let acknowledged = 0;
    let failure: unknown;
    try {
      for (let i = 0; i < 1000; i++) {
        await w.append('fault.fill', { i, filler: 'x'.repeat(1024) });
        acknowledged += 1;
      }
    } catch (e) {
      failure = e;
    }
    expect(failure, 'the disk never filled').toBeDefined();
    expect(isAirlockError(failure) || (failure as NodeJS.ErrnoException).code === 'ENOSPC').toBe(true);
    await w.abort().catch(() => undefined);

    // Nothing signed was lost: the log still verifies up to the last checkpoint.
    const mid = await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
    expect(mid.checkpointSize).toBe(1);
    expect(mid.entries).toBeGreaterThanOrEqual(1);

    // Space comes back (the operator grows the volume): the next writer recovers and signs.
    await runCommand('mount', ['-o', 'remount,size=4m', mnt()], { code: 'AUDIT_IO' });
    const again = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await again.append('fault.after', {});
    const closed = await again.close();
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(closed.size);
    expect(v.unsignedTail).toBe(0);
    // Every append that returned survived the fault.
    expect(v.entries).toBeGreaterThanOrEqual(1 + acknowledged + 1);
  });
});

describe('SIGKILL of Airlock during an append', () => {
  const appender = resolve(import.meta.dirname, '../../helpers/hostile-audit-appender.ts');

  async function appendUntilKilled(log: string, killAfterSeqs: number): Promise<number> {
    const child = spawn(process.execPath, ['--import', 'tsx', appender, log, ORIGIN], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(keys.privatePem);
    let lastSeq = -1;
    let seen = 0;
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    await new Promise<void>((done, fail) => {
      child.stdout.on('data', (c: Buffer) => {
        for (const l of c.toString().split('\n').filter(Boolean)) {
          lastSeq = Number(l);
          seen += 1;
        }
        if (seen >= killAfterSeqs) child.kill('SIGKILL');
      });
      child.on('exit', (_code, signal) =>
        signal === 'SIGKILL' ? done() : fail(new Error(`appender exited on its own: ${stderr.slice(-500)}`)),
      );
    });
    return lastSeq;
  }

  it('three kills at different moments: each time the next writer recovers and the log verifies', async () => {
    const log = join(dir, 'killed', 'audit.jsonl');
    await mkdir(join(dir, 'killed'));
    // An earlier run closed the log normally: a checkpoint exists.
    const first = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await first.append('fault.start', {});
    await first.close();
    let lastAcked = -1;
    const kills: Record<string, number>[] = [];
    for (const after of [5, 37, 113]) {
      lastAcked = await appendUntilKilled(log, after);
      // The dead writer left its lock; the log (signed part + unsigned tail) still verifies.
      const mid = await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
      expect(mid.entries).toBeGreaterThan(lastAcked);
      kills.push({
        after,
        lastAcked,
        entries: mid.entries,
        unsignedTail: mid.unsignedTail,
        tornTailBytes: mid.tornTailBytes,
      });
      const w = await openAuditLog({
        log,
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        lockTimeoutMs: 10_000,
      });
      await w.append('fault.recovered', { after });
      await w.close();
    }
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.unsignedTail).toBe(0);
    expect(v.tornTailBytes).toBe(0);
    expect(v.entries).toBeGreaterThan(lastAcked);
    writeEvidence('faults-audit-sigkill.json', { kills, final: v });
  }, 120_000);
});

describe('the audit branch rejects every push', () => {
  it('gives up with AUDIT_PUBLISH_FAILED after bounded retries and changes nothing', async () => {
    const remote = join(dir, 'remote.git');
    await runCommand('git', ['init', '-q', '--bare', remote], { code: 'GIT_FAILED' });
    // A server-side hook that refuses everything (branch protection, a full disk, an outage).
    const hook = join(remote, 'hooks', 'pre-receive');
    await writeFile(hook, '#!/bin/sh\necho "rejected by policy" >&2\nexit 1\n', { mode: 0o755 });
    const started = performance.now();
    let failure: unknown;
    try {
      await publishAuditLog({
        remote,
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        entries: [
          { time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), kind: 'fault.publish', data: {} },
        ],
        maxAttempts: 3,
      });
    } catch (e) {
      failure = e;
    }
    expect(isAirlockError(failure) && failure.code).toBe('AUDIT_PUBLISH_FAILED');
    // Bounded: three attempts with backoff, not forever.
    expect(performance.now() - started).toBeLessThan(60_000);
    const heads = await runCommand('git', ['-C', remote, 'for-each-ref'], { code: 'GIT_FAILED' });
    expect(heads.stdout.trim()).toBe('');
  });
});
