import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changedPythonFiles, discoverScripts } from '../../../src/discover/index.js';
import { UserError } from '../../../src/errors.js';

/**
 * A real git repository with a pull-request branch that adds, modifies, deletes and
 * renames files, including names that need -z to survive.
 */

let repo: string;

function git(...args: string[]): string {
  return execFileSync('git', args, {
    cwd: repo,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH,
      HOME: repo,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 't',
      GIT_AUTHOR_EMAIL: 't@example.invalid',
      GIT_COMMITTER_NAME: 't',
      GIT_COMMITTER_EMAIL: 't@example.invalid',
    },
  });
}

async function put(rel: string, content: string): Promise<void> {
  await mkdir(dirname(join(repo, rel)), { recursive: true });
  await writeFile(join(repo, rel), content);
}

beforeAll(async () => {
  repo = await realpath(await mkdtemp(join(tmpdir(), 'airlock-git-')));
  git('init', '-q', '-b', 'main');
  await put('keep.py', 'print("unchanged")\n');
  await put('modify.py', 'print(1)\n');
  await put('delete.py', 'print("bye")\n');
  await put(
    'rename_me.py',
    'import json\nprint(json.dumps({"a": [1, 2, 3], "b": "a long enough body for rename detection"}))\n',
  );
  await put('docs/readme.md', 'x\n');
  await put('sub/inner.py', 'print("inner")\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'base');

  git('checkout', '-q', '-b', 'pr');
  await put('added.py', 'print("new")\n');
  await put('weird dir/new\nline $(id).py', 'print("odd name")\n');
  await put('-leading-dash.py', 'print("dash")\n');
  await put('modify.py', 'print(2)\n');
  await put('notes.txt', 'not python\n');
  await put('docs/readme.md', 'changed\n');
  await put('sub/inner.py', 'print("inner changed")\n');
  git('rm', '-q', 'delete.py');
  git('mv', 'rename_me.py', 'renamed.py');
  git('add', '-A');
  git('commit', '-q', '-m', 'pr changes');

  // main moves on after the branch point: its changes are not the PR's.
  git('checkout', '-q', 'main');
  await put('main_only.py', 'print("main")\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'main moves on');
});

afterAll(async () => {
  await rm(repo, { recursive: true, force: true });
});

describe('changedPythonFiles', () => {
  it('lists added, modified and renamed .py files of the PR, not deleted ones or other files', async () => {
    const files = await changedPythonFiles({ workspace: repo, base: 'main', head: 'pr' });
    expect(files).toEqual([
      '-leading-dash.py',
      'added.py',
      'modify.py',
      'renamed.py',
      'sub/inner.py',
      'weird dir/new\nline $(id).py',
    ]);
  });

  it('accepts commit ids, and paths are relative to a workspace inside the repository', async () => {
    const base = git('rev-parse', 'main').trim();
    const head = git('rev-parse', 'pr').trim();
    expect(await changedPythonFiles({ workspace: join(repo, 'sub'), base, head })).toEqual(['inner.py']);
  });

  it('feeds discovery: only the changed scripts are gated', async () => {
    git('checkout', '-q', 'pr');
    try {
      const changed = await changedPythonFiles({ workspace: repo, base: 'main', head: 'pr' });
      const r = await discoverScripts({
        workspace: repo,
        paths: [],
        maxFiles: 10,
        maxFileBytes: 10_000,
        changedFiles: changed,
      });
      // the hidden .git folder is not walked; the odd names survive end to end
      expect(r.scripts.map((s) => s.path)).toEqual(changed);
    } finally {
      git('checkout', '-q', 'main');
    }
  });

  it('a ref that looks like an option is not passed to git as one', async () => {
    const marker = join(repo, 'written-by-git');
    for (const base of [`--output=${marker}`, '-p', '']) {
      const e = await changedPythonFiles({ workspace: repo, base, head: 'pr' }).catch((err: unknown) => err);
      expect(e).toBeInstanceOf(UserError);
      expect((e as UserError).code).toBe('GIT_FAILED');
    }
    await expect(import('node:fs/promises').then((fs) => fs.stat(marker))).rejects.toThrow();
  });

  it('an unknown ref or a folder that is not a repository is GIT_FAILED', async () => {
    const unknown = await changedPythonFiles({ workspace: repo, base: 'no-such-branch', head: 'pr' }).catch(
      (e: unknown) => e,
    );
    expect((unknown as UserError).code).toBe('GIT_FAILED');
    const plain = await realpath(await mkdtemp(join(tmpdir(), 'airlock-nogit-')));
    try {
      const e = await changedPythonFiles({ workspace: plain, base: 'a', head: 'b' }).catch(
        (err: unknown) => err,
      );
      expect((e as UserError).code).toBe('GIT_FAILED');
    } finally {
      await rm(plain, { recursive: true, force: true });
    }
  });
});
