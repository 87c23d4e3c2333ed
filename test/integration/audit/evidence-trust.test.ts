import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { publishAuditStage } from '../../../src/action/publish-stage.js';
import { generateAuditKeyPair, loadPrivateKey } from '../../../src/audit/keys.js';
import { fetchBranchCheckpoint, publishAuditLog } from '../../../src/audit/publish.js';
import { assertLogAdoptable } from '../../../src/audit/trust.js';
import { verifyAuditLog } from '../../../src/audit/verify.js';
import { openAuditLog } from '../../../src/audit/writer.js';
import type { GitHubContext } from '../../../src/github/context.js';
import type { GateSettings } from '../../../src/settings/gate-settings.js';
import { git, initRepo } from '../../helpers/git-fixture.js';
import { entryOf, ORIGIN, readLines, tempDir } from '../../unit/audit/fixtures.js';

/**
 * Issue 21 item 10, with real git repositories: what a pull request commits is never
 * taken for this run's evidence. Only the entries this run's writer appended reach the
 * audit branch (no `smoke.json` picked up from the workspace), and a log that came with
 * the checkout is extended only when the audit branch's checkpoint vouches for it.
 */
const CTX = { serverUrl: 'https://github.com', repository: 'acme/app' } as GitHubContext;

async function bareRepo(): Promise<string> {
  const remote = join(tempDir(), 'remote.git');
  await git(tempDir(), ['init', '-q', '--bare', remote]);
  return remote;
}

async function branchFiles(
  remote: string,
  branch = 'airlock-audit',
): Promise<{ dir: string; files: string[] }> {
  const dir = join(tempDir(), 'clone');
  await git(tempDir(), ['clone', '-q', '--branch', branch, remote, dir]);
  return { dir, files: (await git(dir, ['ls-files'])).split('\n').filter(Boolean).sort() };
}

// publishAuditStage reports through @actions/core: keep its output file out of the way.
let outputFile: string;
beforeEach(() => {
  outputFile = join(tempDir(), 'github-output');
  writeFileSync(outputFile, '');
  process.env.GITHUB_OUTPUT = outputFile;
});
afterEach(() => {
  delete process.env.GITHUB_OUTPUT;
});

describe('published evidence is only what this run produced', () => {
  it('publishes this run’s entries only (not another run’s interleaved ones) and no workspace smoke.json', async () => {
    const remote = await bareRepo();
    const keys = generateAuditKeyPair();
    const ws = tempDir();
    const outDir = join(ws, '.airlock/out');
    mkdirSync(outDir, { recursive: true });
    // A pull request committed this: the Action never ran a smoke suite.
    writeFileSync(join(outDir, 'smoke.json'), '{"pass":99,"fail":0,"forged":true}');
    const log = join(ws, '.airlock/audit/audit.log');
    const ours = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    const theirs = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await ours.append('run.start', { run: 'ours' });
    await theirs.append('run.start', { run: 'theirs' });
    await ours.append('run.end', { run: 'ours' });
    await theirs.close();
    const closed = await ours.close();
    expect(closed.appended.map((a) => a.seq)).toEqual([0, 2]);

    const settings = {
      outDir,
      audit: { log, origin: ORIGIN, signingKey: loadPrivateKey(keys.privatePem) },
      run: { workflowRun: '7' },
    } as unknown as GateSettings;
    await publishAuditStage({
      settings,
      branch: 'airlock-audit',
      ctx: CTX,
      token: '',
      appended: closed.appended,
      remote,
    });

    const { dir, files } = await branchFiles(remote);
    expect(files).toEqual(['audit/log.jsonl', 'audit/log.jsonl.checkpoint']);
    const published = readLines(join(dir, 'audit/log.jsonl')).map((l) => entryOf(l).data);
    expect(published).toEqual([{ run: 'ours' }, { run: 'ours' }]);
    await verifyAuditLog({ log: join(dir, 'audit/log.jsonl'), publicKeyPem: keys.publicPem, strict: true });
    expect(readFileSync(outputFile, 'utf8')).toContain('audit-checkpoint');
  });

  it('refuses to publish an entry that changed on disk after this run wrote it', async () => {
    const remote = await bareRepo();
    const keys = generateAuditKeyPair();
    const log = join(tempDir(), 'audit.log');
    const w = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await w.append('run.start', { ok: true });
    const closed = await w.close();
    writeFileSync(log, readFileSync(log, 'utf8').replace('"ok":true', '"ok":1'));
    const settings = {
      outDir: tempDir(),
      audit: { log, origin: ORIGIN },
      run: {},
    } as unknown as GateSettings;
    await publishAuditStage({
      settings,
      branch: 'airlock-audit',
      ctx: CTX,
      token: '',
      appended: closed.appended,
      remote,
    });
    // A warning, never a published forgery: the branch was not created.
    expect((await git(tempDir(), ['ls-remote', '--heads', remote])).trim()).toBe('');
  });
});

describe('a log that came with the checkout', () => {
  async function workspaceWithCommittedLog(opts: { key?: string } = {}) {
    const ws = join(tempDir(), 'ws');
    await initRepo(ws, { 'README.md': 'x\n' });
    const log = join(ws, '.airlock/audit/audit.log');
    // What a PR can commit: a log with a matching (unsigned) checkpoint, computed by anyone.
    const w = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: opts.key });
    await w.append('run.start', { forged: true });
    await w.close();
    await git(ws, ['add', '-A']);
    await git(ws, ['commit', '-q', '-m', 'add an audit log']);
    return { ws, log };
  }

  it('is refused without an audit-branch checkpoint (AUDIT_LOG_UNTRUSTED)', async () => {
    const { log } = await workspaceWithCommittedLog();
    await expect(assertLogAdoptable({ log })).rejects.toMatchObject({ code: 'AUDIT_LOG_UNTRUSTED' });
    await expect(assertLogAdoptable({ log, branchCheckpoint: async () => null })).rejects.toMatchObject({
      code: 'AUDIT_LOG_UNTRUSTED',
    });
  });

  it('is refused when the audit branch has another history', async () => {
    const keys = generateAuditKeyPair();
    const remote = await bareRepo();
    await publishAuditLog({
      remote,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      entries: [{ time: new Date().toISOString(), kind: 'run.start', data: { real: true } }],
    });
    const { log } = await workspaceWithCommittedLog({ key: keys.privatePem });
    await expect(
      assertLogAdoptable({ log, branchCheckpoint: () => fetchBranchCheckpoint({ remote }) }),
    ).rejects.toMatchObject({ code: 'AUDIT_INCONSISTENT' });
  });

  it('is extended when it is exactly the history on the audit branch', async () => {
    const keys = generateAuditKeyPair();
    const remote = await bareRepo();
    await publishAuditLog({
      remote,
      origin: ORIGIN,
      signingKeyPem: keys.privatePem,
      entries: [{ time: new Date().toISOString(), kind: 'run.start', data: { real: true } }],
    });
    const { dir } = await branchFiles(remote);
    const ws = join(tempDir(), 'ws');
    await initRepo(ws, { 'README.md': 'x\n' });
    const log = join(ws, 'audit/audit.log');
    mkdirSync(join(ws, 'audit'));
    copyFileSync(join(dir, 'audit/log.jsonl'), log);
    copyFileSync(join(dir, 'audit/log.jsonl.checkpoint'), `${log}.checkpoint`);
    await git(ws, ['add', '-A']);
    await git(ws, ['commit', '-q', '-m', 'mirror the audit branch']);
    await assertLogAdoptable({ log, branchCheckpoint: () => fetchBranchCheckpoint({ remote }) });
    const w = await openAuditLog({ log, origin: ORIGIN, signingKeyPem: keys.privatePem });
    await w.append('run.start', {});
    await w.close();
    expect((await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true })).entries).toBe(2);
  });

  it('an untracked log (an earlier step of the same job) and a plain directory are left to the writer', async () => {
    const ws = join(tempDir(), 'ws');
    await initRepo(ws, { 'README.md': 'x\n' });
    const log = join(ws, '.airlock/audit/audit.log');
    const w = await openAuditLog({ log, origin: ORIGIN });
    await w.close();
    await assertLogAdoptable({ log });
    await assertLogAdoptable({ log: join(tempDir(), 'audit.log') });
    expect(existsSync(`${log}.checkpoint`)).toBe(true);
  });
});
