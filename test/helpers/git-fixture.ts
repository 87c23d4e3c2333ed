import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { minimalEnv, runCommand } from '../../src/exec/run-command.js';

/** A real git repository for tests, with a hermetic identity and no global config. */
export const GIT_ENV = minimalEnv({
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Test Author',
  GIT_AUTHOR_EMAIL: 'author@example.test',
  GIT_COMMITTER_NAME: 'Test Author',
  GIT_COMMITTER_EMAIL: 'author@example.test',
  GIT_TERMINAL_PROMPT: '0',
});

export async function git(cwd: string, args: string[]): Promise<string> {
  const r = await runCommand('git', args, { cwd, env: GIT_ENV, code: 'GIT_FAILED', timeoutMs: 60_000 });
  return r.stdout.trim();
}

export async function writeFiles(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(dirname(join(root, rel)), { recursive: true });
    await writeFile(join(root, rel), content);
  }
}

/** Creates a repository at `dir` with one commit of `files` on `main`; returns the commit. */
export async function initRepo(dir: string, files: Record<string, string | Buffer>): Promise<string> {
  await mkdir(dir, { recursive: true });
  await git(dir, ['init', '-q', '--initial-branch=main']);
  await writeFiles(dir, files);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', 'base']);
  return git(dir, ['rev-parse', 'HEAD']);
}

/** Commits `files` (and removes `remove`) on a new branch; returns the commit. */
export async function commitOnBranch(
  dir: string,
  branch: string,
  files: Record<string, string | Buffer>,
  remove: string[] = [],
): Promise<string> {
  await git(dir, ['checkout', '-q', '-b', branch]);
  await writeFiles(dir, files);
  for (const r of remove) await git(dir, ['rm', '-q', '--', r]);
  await git(dir, ['add', '-A']);
  await git(dir, ['commit', '-q', '-m', `changes on ${branch}`]);
  return git(dir, ['rev-parse', 'HEAD']);
}
