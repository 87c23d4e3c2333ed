import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rejectionOf } from '../../helpers/user-error.js';
import { copyDataFiles, findDataFiles } from '../../../src/gate/data-inputs.js';
import { stageData } from '../../../src/gate/data-layout.js';
import { storedZip } from '../../helpers/zip-builder.js';

/**
 * The policy's data globs resolved against a hostile checkout: every match stays a
 * regular file inside the workspace, nothing is code, the caps hold, and the copy the
 * sandbox mounts is read-only and hashed from the bytes copied.
 */
const WHERE = { policy: '.airlock/policy.yml' };
const LIMITS = { maxFiles: 100, maxBytes: 1024 * 1024 };
let root: string;
let ws: string;
let outside: string;

async function files(spec: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(spec)) {
    await mkdir(dirname(join(ws, rel)), { recursive: true });
    await writeFile(join(ws, rel), content);
  }
}

async function resolveAndCopy(patterns: string[], limits = LIMITS) {
  const found = await findDataFiles(ws, patterns, limits, WHERE);
  const into = join(root, `copy-${Math.random().toString(36).slice(2)}`);
  await mkdir(into);
  return { found, into, copied: await copyDataFiles(ws, found.files, into, limits, WHERE) };
}

const sha = (b: string | Buffer) => createHash('sha256').update(b).digest('hex');

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-data-unit-'));
  ws = join(root, 'ws');
  outside = join(root, 'outside');
  await mkdir(ws);
  await mkdir(outside);
  await writeFile(join(outside, 'secret.csv'), 'token,hunter2\n');
  await files({
    'data/sales.csv': 'region,amount\nnorth,10\n',
    'data/sub/more.csv': 'a\n1\n',
    'data/notes.txt': 'notes\n',
    'data/.hidden.csv': 'hidden\n',
    '.git/config': '[http] extraheader = AUTHORIZATION: basic c2VjcmV0\n',
  });
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('findDataFiles + copyDataFiles', () => {
  it('copies the matches at their workspace paths, read-only, hashed; hidden files are not matched', async () => {
    const { found, into, copied } = await resolveAndCopy(['data/**/*.csv']);
    expect([...found.files.keys()]).toEqual(['data/sales.csv', 'data/sub/more.csv']);
    expect(copied).toEqual([
      { path: 'data/sales.csv', bytes: 23, sha256: sha('region,amount\nnorth,10\n') },
      { path: 'data/sub/more.csv', bytes: 4, sha256: sha('a\n1\n') },
    ]);
    expect(await readFile(join(into, 'data/sales.csv'), 'utf8')).toBe('region,amount\nnorth,10\n');
    // Nobody writes the copy: 0444, whoever owns it.
    expect((await stat(join(into, 'data/sales.csv'))).mode & 0o777).toBe(0o444);
    expect((await stat(join(into, 'data/sub'))).mode & 0o777).toBe(0o755);
    expect(found.unmatched).toEqual([]);
  });

  it('a pattern that matches nothing is reported, not an error', async () => {
    const { found, copied } = await resolveAndCopy(['data/*.csv', 'missing/*.parquet']);
    expect(found.unmatched).toEqual(['missing/*.parquet']);
    expect(copied.map((f) => f.path)).toEqual(['data/sales.csv']);
  });

  it('a link out of the workspace is refused, without quoting its target', async () => {
    await symlink(join(outside, 'secret.csv'), join(ws, 'data/link.csv'));
    const e = await rejectionOf(findDataFiles(ws, ['data/*.csv'], LIMITS, WHERE));
    expect(e.code).toBe('PATH_OUTSIDE_WORKSPACE');
    expect(e.message).toContain('policy .airlock/policy.yml: data: "data/*.csv" matches "data/link.csv"');
    expect(e.message).not.toContain(outside);
  });

  it('a linked folder leading out is refused, named by the link, not by the file outside', async () => {
    await symlink(outside, join(ws, 'ext'));
    const e = await rejectionOf(findDataFiles(ws, ['ext/*.csv'], LIMITS, WHERE));
    expect(e.code).toBe('PATH_OUTSIDE_WORKSPACE');
    expect(e.message).toContain('"ext/*.csv" matches "ext", a symbolic link leading outside');
    // The names of the files out there are not for the log.
    expect(e.message).not.toContain('secret');
  });

  it('a dangling link is refused like one leading out', async () => {
    await symlink(join(outside, 'gone.csv'), join(ws, 'data/gone.csv'));
    expect((await rejectionOf(findDataFiles(ws, ['data/*.csv'], LIMITS, WHERE))).code).toBe(
      'PATH_OUTSIDE_WORKSPACE',
    );
  });

  it('a link inside the workspace is read through; one to a hidden file (.git/config) is refused', async () => {
    await symlink('sales.csv', join(ws, 'data/alias.csv'));
    const { copied } = await resolveAndCopy(['data/alias.csv']);
    expect(copied).toEqual([{ path: 'data/alias.csv', bytes: 23, sha256: sha('region,amount\nnorth,10\n') }]);
    await symlink('../.git/config', join(ws, 'data/config.csv'));
    const e = await rejectionOf(findDataFiles(ws, ['data/config.csv'], LIMITS, WHERE));
    expect(e.code).toBe('PATH_INVALID');
    expect(e.message).toContain('hidden');
  });

  it('a pattern reaching out with ".." (or braces expanding to it) is refused before any walk', async () => {
    for (const p of ['../outside/*.csv', 'data/../../outside/*.csv', '{x,..}/outside/*.csv']) {
      const e = await rejectionOf(findDataFiles(ws, [p], LIMITS, WHERE));
      expect(e.code).toBe('PATH_OUTSIDE_WORKSPACE');
      expect(e.message).toContain('policy .airlock/policy.yml: data:');
    }
  });

  it('a FIFO is refused (it would hang the copy), as is any special file', async () => {
    execFileSync('mkfifo', [join(ws, 'data/pipe.csv')]);
    const e = await rejectionOf(findDataFiles(ws, ['data/*.csv'], LIMITS, WHERE));
    expect(e.code).toBe('PATH_INVALID');
    expect(e.message).toContain('"data/pipe.csv", not a regular file');
  });

  it('code is never data: Python, bytecode, native libraries, zips holding code', async () => {
    await files({ 'code/helper.py': 'print(1)\n' });
    let e = await rejectionOf(findDataFiles(ws, ['code/*'], LIMITS, WHERE));
    expect(e.message).toContain('Python source: data is never code');
    await files({ 'pyc/mod.pyc': 'x' });
    e = await rejectionOf(findDataFiles(ws, ['pyc/*'], LIMITS, WHERE));
    expect(e.message).toContain('compiled bytecode');
    // Native code under a data name is caught by its bytes when copied.
    await files({ 'elf/blob.dat': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]) });
    e = await rejectionOf(resolveAndCopy(['elf/*']));
    expect(e.code).toBe('PATH_INVALID');
    expect(e.message).toContain('ELF');
    await files({ 'zip/lib.dat': storedZip([{ name: 'payload.py', data: 'print(1)\n' }]) });
    e = await rejectionOf(resolveAndCopy(['zip/*']));
    expect(e.message).toContain('zip archive holding code');
    // A zip of data only (an .xlsx is one) is fine.
    await files({ 'zip2/book.xlsx': storedZip([{ name: 'xl/workbook.xml', data: '<workbook/>' }]) });
    expect((await resolveAndCopy(['zip2/*'])).copied).toHaveLength(1);
  });

  it('more files than limits.maxDataFiles: an error naming the policy, data and the limit', async () => {
    const e = await rejectionOf(findDataFiles(ws, ['data/**/*.csv'], { ...LIMITS, maxFiles: 1 }, WHERE));
    expect(e.code).toBe('DISCOVERY_LIMIT');
    expect(e.message).toContain('policy .airlock/policy.yml: data:');
    expect(e.message).toContain('more than 1 files (limits.maxDataFiles)');
    expect((await resolveAndCopy(['data/**/*.csv'], { ...LIMITS, maxFiles: 2 })).copied).toHaveLength(2);
  });

  it('more bytes than limits.maxDataBytes: an error naming the policy, data and the limit', async () => {
    // 23 + 4 bytes: 26 is one too few.
    const e = await rejectionOf(resolveAndCopy(['data/**/*.csv'], { ...LIMITS, maxBytes: 26 }));
    expect(e.code).toBe('DISCOVERY_LIMIT');
    expect(e.message).toContain('policy .airlock/policy.yml: data:');
    expect(e.message).toContain('more than 26 bytes (limits.maxDataBytes)');
    expect((await resolveAndCopy(['data/**/*.csv'], { ...LIMITS, maxBytes: 27 })).copied).toHaveLength(2);
  });
});

describe('stageData: the layout the sandbox mounts', () => {
  it('mirrors the workspace: mount points for script folders, data under a script folder linked into the stage', async () => {
    const tree = join(root, 'tree');
    // What the stage copied: analysis/ and the root folder (a root-level script stages everything).
    await mkdir(join(tree, 'analysis'), { recursive: true });
    await mkdir(join(tree, 'data'), { recursive: true });
    await writeFile(join(tree, 'data/sales.csv'), 'stale copy\n');
    const into = join(root, 'data-root');
    const staged = await stageData({
      workspace: ws,
      patterns: ['data/*.csv', 'nothing/*'],
      limits: LIMITS,
      policyLabel: WHERE.policy,
      into,
      tree,
      scripts: ['analysis/report.py', 'top.py', 'deep/er/x.py'],
    });
    expect(staged.files.map((f) => f.path)).toEqual(['data/sales.csv']);
    expect(staged.notices).toEqual(['policy data: "nothing/*" matched no file (a folder needs "folder/**")']);
    expect(staged.mountFor('analysis/report.py')).toEqual({ host: into, scriptDir: 'analysis' });
    expect(staged.mountFor('deep/er/x.py')).toEqual({ host: into, scriptDir: 'deep/er' });
    // A root-level script's folder is /work: its data is in its own staged folder.
    expect(staged.mountFor('top.py')).toBeUndefined();
    expect(await readFile(join(tree, 'data/sales.csv'), 'utf8')).toBe('region,amount\nnorth,10\n');
    expect((await lstat(join(into, 'analysis'))).isDirectory()).toBe(true);
    expect((await lstat(join(into, 'deep/er'))).isDirectory()).toBe(true);
  });

  it('a script folder whose name cannot be a mount path runs without the data, and says so', async () => {
    const staged = await stageData({
      workspace: ws,
      patterns: ['data/*.csv'],
      limits: LIMITS,
      policyLabel: WHERE.policy,
      into: join(root, 'data-root'),
      tree: join(root, 'tree'),
      scripts: ['odd,name/x.py', 'analysis/report.py'],
    });
    expect(staged.mountFor('odd,name/x.py')).toBeUndefined();
    expect(staged.mountFor('analysis/report.py')).toMatchObject({ scriptDir: 'analysis' });
    expect(staged.notices).toEqual([
      'policy data: not mounted for the scripts in "odd,name": its name holds , " : or a control character',
    ]);
  });

  it('no data matched: no mounts, the layout is unchanged', async () => {
    const staged = await stageData({
      workspace: ws,
      patterns: ['nothing/*'],
      limits: LIMITS,
      policyLabel: WHERE.policy,
      into: join(root, 'data-root'),
      tree: join(root, 'tree'),
      scripts: ['analysis/report.py'],
    });
    expect(staged.files).toEqual([]);
    expect(staged.mountFor('analysis/report.py')).toBeUndefined();
  });
});
