import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { restoreAuditLog } from '../../../src/action/restore-audit-log.js';
import { generateAuditKeyPair, loadPrivateKey } from '../../../src/audit/keys.js';
import { publishAuditLog } from '../../../src/audit/publish.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { git } from '../../helpers/git-fixture.js';

/**
 * What the Action's restore step refuses, with real git (a local bare repository as the
 * audit branch's remote) and real signed logs written by the publisher. The Action as a
 * whole, across runs: action-cache-restore-e2e.test.ts.
 */
const ORIGIN = 'github.com/octo-org/octo-repo/airlock-audit';
const key = generateAuditKeyPair();
const signingKey = loadPrivateKey(key.privatePem);

let root: string;
let remote: string;

async function publish(branch: string, n: number, pem = key.privatePem): Promise<void> {
  await publishAuditLog({
    remote,
    branch,
    origin: ORIGIN,
    signingKeyPem: pem,
    entries: Array.from({ length: n }, (_, i) => ({
      time: new Date().toISOString(),
      kind: 'note',
      data: { i },
    })),
  });
}

async function workspace(name: string): Promise<string> {
  const ws = join(root, name);
  await mkdir(ws, { recursive: true });
  return ws;
}

function restore(ws: string, branch: string, withKey = true) {
  return restoreAuditLog({
    workspace: ws,
    audit: {
      log: join(ws, '.airlock/audit/audit.log'),
      origin: ORIGIN,
      signingKey: withKey ? signingKey : undefined,
    },
    branch,
    access: { remote, gitEnv: undefined },
  });
}

async function localFiles(ws: string): Promise<string[]> {
  return (await readdir(join(ws, '.airlock/audit')).catch(() => [] as string[])).sort();
}

/** Rewrites one file on the branch, as anyone with push access could. */
async function editBranch(branch: string, edit: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(root, 'edit-'));
  await git(root, ['clone', '-q', '--branch', branch, remote, dir]);
  await edit(dir);
  await git(dir, ['commit', '-q', '-am', 'edit']);
  await git(dir, ['push', '-q', 'origin', branch]);
}

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-restore-'));
  remote = join(root, 'remote.git');
  await tryRunCommand('git', ['init', '-q', '--bare', remote]);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('restoring the audit branch log', () => {
  it("copies the branch's log and checkpoint byte for byte under the local log's names", async () => {
    await publish('ok', 3);
    const ws = await workspace('ok');
    expect(await restore(ws, 'ok')).toEqual({ outcome: 'restored' });
    expect(await localFiles(ws)).toEqual(['audit.log', 'audit.log.checkpoint']);
    const clone = join(root, 'ok-clone');
    await git(root, ['clone', '-q', '--branch', 'ok', remote, clone]);
    expect(await readFile(join(ws, '.airlock/audit/audit.log'))).toEqual(
      await readFile(join(clone, 'audit/log.jsonl')),
    );
    expect(await readFile(join(ws, '.airlock/audit/audit.log.checkpoint'), 'utf8')).toBe(
      await readFile(join(clone, 'audit/log.jsonl.checkpoint'), 'utf8'),
    );
  });

  it('leaves a log already at the path alone, and fetches nothing without a key or a branch', async () => {
    const ws = await workspace('present');
    await mkdir(join(ws, '.airlock/audit'), { recursive: true });
    await writeFile(join(ws, '.airlock/audit/audit.log.checkpoint'), 'an earlier step wrote this\n');
    expect(await restore(ws, 'ok')).toEqual({ outcome: 'present' });
    expect(await localFiles(ws)).toEqual(['audit.log.checkpoint']);

    const noKey = await workspace('no-key');
    expect(await restore(noKey, 'ok', false)).toEqual({ outcome: 'no-key' });
    expect(await localFiles(noKey)).toEqual([]);

    const first = await workspace('first-run');
    expect(await restore(first, 'never-published')).toEqual({ outcome: 'no-branch' });
    expect(await localFiles(first)).toEqual([]);
  });

  it('refuses entries beyond the checkpoint (an older checkpoint put back over a longer log)', async () => {
    await publish('tail', 2);
    const clone = join(root, 'tail-old');
    await git(root, ['clone', '-q', '--branch', 'tail', remote, clone]);
    const older = await readFile(join(clone, 'audit/log.jsonl.checkpoint'), 'utf8');
    await publish('tail', 2);
    await editBranch('tail', (dir) => writeFile(join(dir, 'audit/log.jsonl.checkpoint'), older));
    const ws = await workspace('tail');
    expect(await restore(ws, 'tail')).toEqual({
      outcome: 'refused',
      reason: expect.stringMatching(
        /^AUDIT_LOG_UNTRUSTED: .* it has 4 entries, the audit branch's checkpoint vouches for 2/,
      ),
    });
    expect(await localFiles(ws)).toEqual([]);
  });

  it("refuses a branch log signed by another key than the run's", async () => {
    await publish('other-key', 2, generateAuditKeyPair().privatePem);
    const ws = await workspace('other-key');
    expect(await restore(ws, 'other-key')).toEqual({
      outcome: 'refused',
      reason: expect.stringMatching(/^AUDIT_UNKNOWN_SIGNER: no signature by the given key/),
    });
    expect(await localFiles(ws)).toEqual([]);
  });

  it('refuses a branch whose log file is a symlink, and never writes through a committed link', async () => {
    await publish('link', 1);
    await editBranch('link', async (dir) => {
      await rm(join(dir, 'audit/log.jsonl'));
      await symlink('/etc/hostname', join(dir, 'audit/log.jsonl'));
      await git(dir, ['add', '-A']);
    });
    const ws = await workspace('link');
    expect(await restore(ws, 'link')).toEqual({
      outcome: 'refused',
      reason: expect.stringMatching(
        /^AUDIT_SEGMENT_INVALID: log\.jsonl on the audit branch is not a regular file/,
      ),
    });
    expect(await localFiles(ws)).toEqual([]);

    // A checkout whose audit folder is a link elsewhere: nothing lands there.
    const outside = await mkdtemp(join(root, 'outside-'));
    const linked = await workspace('linked');
    await mkdir(join(linked, '.airlock'));
    await symlink(outside, join(linked, '.airlock/audit'));
    expect(await restore(linked, 'ok')).toEqual({
      outcome: 'refused',
      reason: expect.stringMatching(/^PATH_INVALID: audit log: \.airlock\/audit is a symbolic link/),
    });
    expect(await readdir(outside)).toEqual([]);
  });
});
