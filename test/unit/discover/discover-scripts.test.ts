import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverScripts, MAX_SKIPPED_REPORTED, stillMatches } from '../../../src/discover/index.js';
import type { UserError } from '../../../src/errors.js';
import { rejectionOf } from '../../helpers/user-error.js';

let root: string; // holds the workspace and an "outside" folder beside it
let ws: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'airlock-discover-')));
  ws = join(root, 'ws');
  await mkdir(ws);
  await mkdir(join(root, 'outside'));
  await writeFile(join(root, 'outside', 'secret.py'), 'print("outside")\n');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function put(rel: string, content = `print(${JSON.stringify(rel)})\n`): Promise<string> {
  const file = join(ws, rel);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
  return file;
}

const LIMITS = { maxFiles: 100, maxFileBytes: 10_000 };
const discover = (paths: string[], extra: Partial<Parameters<typeof discoverScripts>[0]> = {}) =>
  discoverScripts({ workspace: ws, paths, ...LIMITS, ...extra });

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

describe('discoverScripts', () => {
  it('finds hostile-looking names for real, hashes the bytes it read, in code-unit order', async () => {
    const names = [
      'plain.py',
      'with space.py',
      'ünïcödé/日本.py',
      '-rf.py',
      '--help.py',
      '$(touch pwned).py',
      '`id`.py',
      'a;rm -rf ~.py',
      'new\nline.py',
      'quote\'and".py',
      'back\\slash.py',
      'sub dir/-x/$HOME.py',
    ];
    for (const n of names) await put(n);
    const r = await discover([]);
    const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    expect(r.scripts.map((s) => s.path)).toEqual(sorted);
    for (const s of r.scripts) {
      const expected = `print(${JSON.stringify(s.path)})\n`;
      expect(s.content.toString()).toBe(expected);
      expect(s.sha256).toBe(sha(expected));
      expect(s.bytes).toBe(Buffer.byteLength(expected));
      expect(s.absPath).toBe(join(ws, s.path));
    }
    expect(r.skipped).toEqual([]);
    // nothing was executed along the way
    expect(await discover(['pwned']).catch((e: UserError) => e.code)).toBe('PATH_INVALID');
  });

  it('takes files, directories and globs; keeps each script once', async () => {
    await put('a/one.py');
    await put('a/b/two.py');
    await put('c/three.py');
    await put('c/notes.txt');
    const r = await discover(['a', 'a/b/two.py', 'c/*.py', './c/three.py']);
    expect(r.scripts.map((s) => s.path)).toEqual(['a/b/two.py', 'a/one.py', 'c/three.py']);
    expect((await discover(['**/t*.py'])).scripts.map((s) => s.path)).toEqual(['a/b/two.py', 'c/three.py']);
    // an absolute path inside the workspace is fine
    expect((await discover([join(ws, 'a', 'one.py')])).scripts.map((s) => s.path)).toEqual(['a/one.py']);
  });

  it('reports non-Python files it was pointed at as skipped, not as errors', async () => {
    await put('data.csv', 'x,y\n');
    await put('c/notes.txt', 'n');
    const r = await discover(['data.csv', 'c/*']);
    expect(r.scripts).toEqual([]);
    expect(r.skipped).toEqual([
      { path: 'c/notes.txt', reason: 'not a Python file (.py) or notebook (.ipynb)' },
      { path: 'data.csv', reason: 'not a Python file (.py) or notebook (.ipynb)' },
    ]);
  });

  it('a name that exists is taken literally even if it looks like a glob', async () => {
    await put('[x].py');
    await put('x.py');
    expect((await discover(['[x].py'])).scripts.map((s) => s.path)).toEqual(['[x].py']);
  });

  it('a pattern that matches nothing is reported; a missing plain path is an error', async () => {
    expect((await discover(['nothing/**/*.py'])).skipped).toEqual([
      { path: 'nothing/**/*.py', reason: 'pattern matched no files' },
    ]);
    expect((await rejectionOf(discover(['missing.py']))).code).toBe('PATH_INVALID');
  });

  it('does not walk into hidden folders, but takes one named directly', async () => {
    await put('.git/hooks/post-checkout.py');
    await put('.venv/lib/site.py');
    await put('.hidden.py');
    await put('visible.py');
    expect((await discover(['.'])).scripts.map((s) => s.path)).toEqual(['visible.py']);
    expect((await discover(['.venv'])).scripts.map((s) => s.path)).toEqual(['.venv/lib/site.py']);
  });

  it('refuses ../ escapes and absolute paths outside the workspace', async () => {
    for (const p of [
      '../outside/secret.py',
      '../outside',
      'a/../../outside/secret.py',
      join(root, 'outside'),
      '/etc/passwd',
    ]) {
      expect((await rejectionOf(discover([p]))).code, p).toBe('PATH_OUTSIDE_WORKSPACE');
    }
    for (const p of ['../**/*.py', '**/../../outside/*.py', `${root}/outside/*.py`]) {
      expect((await rejectionOf(discover([p]))).code, p).toBe('PATH_OUTSIDE_WORKSPACE');
    }
  });

  it('never follows a symlink out of the workspace', async () => {
    await put('ok.py');
    await symlink(join(root, 'outside', 'secret.py'), join(ws, 'evil.py'));
    await symlink(join(root, 'outside'), join(ws, 'linkdir'));
    await symlink('/etc/passwd', join(ws, 'passwd.py'));
    const walked = await discover(['.']);
    expect(walked.scripts.map((s) => s.path)).toEqual(['ok.py']);
    expect(walked.skipped.map((s) => s.path)).toEqual(['evil.py', 'passwd.py']);
    expect(walked.skipped.every((s) => s.reason.includes('outside the workspace'))).toBe(true);
    // through a glob whose base is a linked directory
    const globbed = await discover(['linkdir/*.py']);
    expect(globbed.scripts).toEqual([]);
    expect(globbed.skipped[0]).toMatchObject({ path: 'linkdir/secret.py' });
    // named directly: a loud error
    for (const p of ['evil.py', 'linkdir', 'linkdir/secret.py']) {
      expect((await rejectionOf(discover([p]))).code, p).toBe('PATH_OUTSIDE_WORKSPACE');
    }
  });

  it('a link inside the workspace: skipped when walking, followed to its target when named', async () => {
    await put('real/target.py');
    await symlink(join(ws, 'real', 'target.py'), join(ws, 'alias.py'));
    const walked = await discover(['.']);
    expect(walked.scripts.map((s) => s.path)).toEqual(['real/target.py']);
    expect(walked.skipped).toEqual([{ path: 'alias.py', reason: expect.stringContaining('symbolic link') }]);
    const named = await discover(['alias.py']);
    expect(named.scripts.map((s) => [s.path, s.absPath])).toEqual([
      ['real/target.py', join(ws, 'real', 'target.py')],
    ]);
  });

  it('skips a FIFO named like a script instead of hanging on it', async () => {
    await put('ok.py');
    execFileSync('mkfifo', [join(ws, 'pipe.py')]);
    const r = await discover(['.']);
    expect(r.scripts.map((s) => s.path)).toEqual(['ok.py']);
    expect(r.skipped).toEqual([{ path: 'pipe.py', reason: 'not a regular file' }]);
    expect((await discover(['pipe.py'])).skipped).toEqual([
      { path: 'pipe.py', reason: 'not a regular file' },
    ]);
  });

  it('bounds the number of files, naming limits.maxFiles', async () => {
    for (let i = 0; i < 6; i++) await put(`s${i}.py`);
    expect((await discover(['.'], { maxFiles: 6 })).scripts).toHaveLength(6);
    const e = await rejectionOf(discover(['.'], { maxFiles: 5 }));
    expect(e.code).toBe('DISCOVERY_LIMIT');
    expect(e.message).toContain('limits.maxFiles');
  });

  it('bounds the size of a file, naming limits.maxFileBytes', async () => {
    await put('big.py', 'x'.repeat(101));
    await put('edge.py', 'x'.repeat(100));
    expect((await discover(['edge.py'], { maxFileBytes: 100 })).scripts[0]!.bytes).toBe(100);
    const e = await rejectionOf(discover(['.'], { maxFileBytes: 100 }));
    expect(e.code).toBe('DISCOVERY_LIMIT');
    expect(e.message).toContain('limits.maxFileBytes');
    expect(e.message).toContain('big.py');
  });

  it('changedFiles keeps only the changed scripts, and the file limit counts only those', async () => {
    for (let i = 0; i < 5; i++) await put(`s${i}.py`);
    const r = await discover(['.'], { changedFiles: ['s1.py', './s3.py', 'gone.py'], maxFiles: 2 });
    expect(r.scripts.map((s) => s.path)).toEqual(['s1.py', 's3.py']);
  });

  it('a Python file or folder whose name is not UTF-8 is reported as not gated, never silently dropped', async () => {
    await put('ok.py');
    await put('data/notes.txt');
    const bad = (hex: string) => Buffer.concat([Buffer.from(`${ws}/`), Buffer.from(hex, 'hex')]);
    await writeFile(bad('6361665ffffe2e7079'), 'exec("1")\n'); // caf_\xff\xfe.py
    await mkdir(bad('646972fffe')); // dir\xff\xfe/
    await writeFile(bad('646972fffe2f782e7079'), 'exec("1")\n'); // dir\xff\xfe/x.py
    await writeFile(bad('64617461fffe2e637376'), 'x\n'); // data\xff\xfe.csv: not Python, not a gap
    const r = await discover(['.']);
    expect(r.scripts.map((s) => s.path)).toEqual(['ok.py']);
    expect(r.ungated.map((u) => u.path)).toEqual(['caf_\uFFFD\uFFFD.py', 'dir\uFFFD\uFFFD/']);
    expect(r.ungatedCount).toBe(2);
    expect(r.ungated[1]!.reason).toMatch(/folder name is not valid UTF-8/);
    // On a pull request, only what the change selects can be a gap.
    const pr = await discover(['.'], { changedFiles: ['ok.py'] });
    expect(pr.ungated).toEqual([]);
    expect(pr.skipped.map((s) => s.path)).toContain('dir\uFFFD\uFFFD/');
  });

  it('the same tree gives the same answer every time', async () => {
    for (const n of ['b.py', 'a/z.py', 'A.py', 'a.py', 'é.py', 'Z/a.py']) await put(n);
    const first = await discover(['.']);
    const again = await discover(['Z', '.', 'a']);
    expect(again.scripts.map((s) => [s.path, s.sha256])).toEqual(
      first.scripts.map((s) => [s.path, s.sha256]),
    );
    expect(first.scripts.map((s) => s.path)).toEqual(['A.py', 'Z/a.py', 'a.py', 'a/z.py', 'b.py', 'é.py']);
  });

  it('lists at most MAX_SKIPPED_REPORTED skipped paths, the first in path order, and counts the rest', async () => {
    await put('ok.py');
    const extra = 5;
    for (let i = 0; i < MAX_SKIPPED_REPORTED + extra; i++) {
      await symlink(join(root, 'outside', 'secret.py'), join(ws, `l${String(i).padStart(5, '0')}.py`));
    }
    const r = await discover(['.']);
    expect(r.scripts.map((s) => s.path)).toEqual(['ok.py']);
    expect(r.skipped).toHaveLength(MAX_SKIPPED_REPORTED);
    expect(r.skipped[0]!.path).toBe('l00000.py');
    expect(r.skipped.at(-1)!.path).toBe(`l${String(MAX_SKIPPED_REPORTED - 1).padStart(5, '0')}.py`);
    expect(r.skippedOmitted).toBe(extra);
  });

  it('stillMatches tells whether the file still holds the bytes that were hashed', async () => {
    const file = await put('s.py', 'print(1)\n');
    const [s] = (await discover(['s.py'])).scripts;
    expect(await stillMatches(s!)).toBe(true);
    await writeFile(file, 'print(2)\n');
    expect(await stillMatches(s!)).toBe(false);
    await rm(file);
    await symlink(join(root, 'outside', 'secret.py'), file);
    expect(await stillMatches(s!)).toBe(false);
  });

  it('a workspace that does not exist is PATH_INVALID', async () => {
    const e = await rejectionOf(discoverScripts({ workspace: join(root, 'nope'), paths: [], ...LIMITS }));
    expect(e.code).toBe('PATH_INVALID');
  });
});
