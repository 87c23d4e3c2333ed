import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/keys.js';
import { publishAuditLog, readRunEntries } from '../../../src/audit/publish.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import {
  encode,
  entryOf,
  makeLog,
  ORIGIN,
  readLines,
  tempDir,
  writeLines,
} from '../../unit/audit/fixtures.js';

const WORKER = join(import.meta.dirname, 'worker.ts');
const GIT_ENV = {
  PATH: process.env.PATH,
  HOME: tempDir('airlock-git-home-'),
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

function git(args: string[], cwd?: string): string {
  const r = spawnSync('git', args, { cwd, env: GIT_ENV, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

function bareRepo(): string {
  const remote = join(tempDir(), 'remote.git');
  git(['init', '-q', '--bare', remote]);
  return remote;
}

function checkoutBranch(remote: string): string {
  const dir = join(tempDir(), 'clone');
  git(['clone', '-q', '--branch', 'airlock-audit', remote, dir]);
  return dir;
}

function worker(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
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

describe('publishing the audit log to a branch', () => {
  it('N concurrent writers (separate processes): every entry once, one linear chain that verifies', async () => {
    const remote = bareRepo();
    const keys = generateAuditKeyPair();
    const keyFile = join(tempDir(), 'private.pem');
    writeFileSync(keyFile, keys.privatePem, { mode: 0o600 });
    const writers = 5;
    const per = 4;
    const results = await Promise.all(
      Array.from({ length: writers }, (_, w) => worker(['publish', remote, keyFile, `w${w}`, String(per)])),
    );
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    // (How often pushes were rejected and retried depends on timing; with 5 writers
    // started together on 2 cores it is usually several. Correctness must not depend on it.)

    const clone = checkoutBranch(remote);
    const log = join(clone, 'audit', 'log.jsonl');
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(writers * per);
    const entries = readLines(log).map(entryOf);
    const ids = entries.map((e) => `${e.data.writer}:${e.data.i}`);
    expect(new Set(ids).size).toBe(writers * per);
    // No fork: one commit per writer, in a line, each with the previous as its only parent.
    expect(git(['rev-list', '--count', 'HEAD'], clone).trim()).toBe(String(writers));
    expect(git(['rev-list', '--merges', 'HEAD'], clone).trim()).toBe('');
    expect(git(['log', '-1', '--format=%an <%ae>'], clone).trim()).toBe(
      'airlock[bot] <airlock[bot]@users.noreply.github.com>',
    );
    // The lock file never reaches the branch.
    expect(git(['ls-files'], clone).split('\n').filter(Boolean).sort()).toEqual([
      'audit/log.jsonl',
      'audit/log.jsonl.checkpoint',
    ]);
  });

  it('carries a local run over (same time, kind, data), with extra files, into an existing branch', async () => {
    const remote = bareRepo();
    const local = await makeLog(4);
    const ofRun = readLines(local.log)
      .slice(1)
      .map((l) => ({ seq: entryOf(l).seq, hash: createHash('sha256').update(l).digest('hex') }));
    const entries = await readRunEntries(local.log, ofRun);
    expect(entries).toHaveLength(3);
    const first = await publishAuditLog({
      remote,
      origin: ORIGIN,
      signingKeyPem: local.keys.privatePem,
      entries,
      extraFiles: [{ path: 'smoke/results.json', content: '{"passed":12}' }],
    });
    expect(first).toMatchObject({ firstSeq: 0, size: 3, attempts: 1 });
    const second = await publishAuditLog({
      remote,
      origin: ORIGIN,
      signingKeyPem: local.keys.privatePem,
      entries,
    });
    expect(second).toMatchObject({ firstSeq: 3, size: 6 });
    const clone = checkoutBranch(remote);
    expect(readFileSync(join(clone, 'audit/smoke/results.json'), 'utf8')).toBe('{"passed":12}');
    expect(readFileSync(join(clone, 'audit/log.jsonl.checkpoint'), 'utf8')).toBe(second.checkpoint);
    const published = readLines(join(clone, 'audit/log.jsonl')).map(entryOf);
    const localEntries = readLines(local.log).map(entryOf);
    expect(published[4]).toMatchObject({ seq: 4, time: localEntries[2]!.time, data: localEntries[2]!.data });
  });

  it('moves a branch from the old shared `checkpoint` name to log.jsonl.checkpoint', async () => {
    const remote = bareRepo();
    const keys = generateAuditKeyPair();
    const entry = () => ({ time: new Date().toISOString(), kind: 'run.start', data: {} });
    await publishAuditLog({ remote, origin: ORIGIN, signingKeyPem: keys.privatePem, entries: [entry()] });
    const old = checkoutBranch(remote);
    git(['mv', 'audit/log.jsonl.checkpoint', 'audit/checkpoint'], old);
    git(['commit', '-q', '-m', 'as written before checkpoints were named after their log'], old);
    git(['push', '-q', 'origin', 'HEAD:refs/heads/airlock-audit'], old);
    await publishAuditLog({ remote, origin: ORIGIN, signingKeyPem: keys.privatePem, entries: [entry()] });
    const clone = checkoutBranch(remote);
    expect(git(['ls-files'], clone).split('\n').filter(Boolean).sort()).toEqual([
      'audit/log.jsonl',
      'audit/log.jsonl.checkpoint',
    ]);
    const log = join(clone, 'audit/log.jsonl');
    expect((await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true })).entries).toBe(2);
  });

  it('refuses to extend a tampered branch log, without retrying', async () => {
    const remote = bareRepo();
    const keys = generateAuditKeyPair();
    await publishAuditLog({
      remote,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      entries: [
        { time: new Date().toISOString(), kind: 'run.start', data: { a: 1 } },
        { time: new Date().toISOString(), kind: 'run.start', data: { a: 2 } },
      ],
    });
    const clone = checkoutBranch(remote);
    const log = join(clone, 'audit/log.jsonl');
    const lines = readLines(log);
    const e = entryOf(lines[0]!);
    e.data.a = 9;
    lines[0] = encode(e);
    writeLines(log, lines);
    git(['commit', '-q', '-am', 'rewrite history'], clone);
    git(['push', '-q', 'origin', 'HEAD:refs/heads/airlock-audit'], clone);
    await expect(
      publishAuditLog({
        remote,
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        entries: [{ time: new Date().toISOString(), kind: 'run.start', data: {} }],
      }),
    ).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN', seq: 1 });
  });

  it('gives up with AUDIT_PUBLISH_FAILED when the remote cannot be reached; rejects unsafe paths', async () => {
    const keys = generateAuditKeyPair();
    await expect(
      publishAuditLog({
        remote: join(tempDir(), 'nope.git'),
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        entries: [],
        maxAttempts: 2,
      }),
    ).rejects.toMatchObject({ code: 'AUDIT_PUBLISH_FAILED' });
    await expect(
      publishAuditLog({
        remote: bareRepo(),
        origin: ORIGIN,
        signingKeyPem: keys.privatePem,
        entries: [],
        extraFiles: [{ path: '../../etc/x', content: '' }],
      }),
    ).rejects.toMatchObject({ code: 'INPUT_INVALID' });
  });
});
