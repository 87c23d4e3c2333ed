import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { isAirlockError } from '../../../src/errors.js';
import { openOutputRun, RUN_MARKER } from '../../../src/gate/output-dir.js';
import { ensureRealDirs } from '../../../src/gate/real-dirs.js';

/**
 * The output directory's life (src/gate/output-dir.ts): one run at a time, the previous
 * run's output gone before anything can fail, a fresh directory per run renamed into
 * place only when the run finished, nothing written through a link.
 */
let root: string;
let ws: string;
let out: string;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'airlock-outdir-'));
  ws = join(root, 'ws');
  await mkdir(ws);
  out = join(ws, '.airlock', 'out');
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function codeOf(p: Promise<unknown>): Promise<string | undefined> {
  try {
    await p;
  } catch (e) {
    if (isAirlockError(e)) return e.code;
    throw e;
  }
  return undefined;
}

/** One run that writes `files` (relative to the output dir) and finishes. */
async function completedRun(files: Record<string, string>): Promise<void> {
  const run = await openOutputRun({ workspace: ws, outDir: out, files: [] });
  for (const [rel, text] of Object.entries(files)) {
    const p = await run.pathFor(join(out, rel));
    await mkdir(join(p, '..'), { recursive: true });
    await writeFile(p, text, { flag: 'wx' });
  }
  await run.commit();
}

describe('a reused output directory', () => {
  it('holds the second run only: its artifact, not the first run’s (no EEXIST, no stale file)', async () => {
    await completedRun({ 'report.json': 'first', '001-plot/result.txt': 'old', '002-gone/x.txt': 'x' });
    await completedRun({ 'report.json': 'second', '001-plot/result.txt': 'new' });
    expect(await readFile(join(out, '001-plot/result.txt'), 'utf8')).toBe('new');
    expect(await readFile(join(out, 'report.json'), 'utf8')).toBe('second');
    expect(existsSync(join(out, '002-gone'))).toBe(false);
    expect(existsSync(join(out, RUN_MARKER))).toBe(true);
    // Nothing of either run is left beside it (run dirs, moved-away old output, the lock).
    expect(await readdir(join(ws, '.airlock'))).toEqual(['out']);
  });

  it('removes the earlier report at the start, so a run that fails leaves none looking current', async () => {
    await completedRun({ 'report.json': 'earlier' });
    const elsewhere = join(ws, 'reports', 'r.json');
    await mkdir(join(ws, 'reports'));
    await writeFile(elsewhere, 'earlier, at a --report path');
    const run = await openOutputRun({ workspace: ws, outDir: out, files: [elsewhere] });
    // During the run: neither report is there.
    expect(existsSync(join(out, 'report.json'))).toBe(false);
    expect(existsSync(elsewhere)).toBe(false);
    await writeFile(join(run.dir, '001-partial.txt'), 'half');
    await run.discard();
    expect(existsSync(out)).toBe(false);
    expect(await readdir(join(ws, '.airlock'))).toEqual([]);
  });

  it('refuses a second run into the same directory while the first runs (OUTPUT_DIR_BUSY)', async () => {
    const first = await openOutputRun({ workspace: ws, outDir: out, files: [] });
    expect(await codeOf(openOutputRun({ workspace: ws, outDir: out, files: [] }))).toBe('OUTPUT_DIR_BUSY');
    // Through the CLI: exit 2 and the one-line cause, before anything runs.
    let stderr = '';
    const code = await main(['gate', '--out', '.airlock/out', '.'], {
      stdout: () => undefined,
      stderr: (t) => {
        stderr += t;
      },
      cwd: ws,
      env: {},
    });
    expect(code).toBe(2);
    expect(stderr).toMatch(/^airlock: OUTPUT_DIR_BUSY: another Airlock run is writing/m);
    await writeFile(join(first.dir, 'report.json'), 'first');
    await first.commit();
    expect(await readFile(join(out, 'report.json'), 'utf8')).toBe('first');
    // Released: the next run may go.
    await (await openOutputRun({ workspace: ws, outDir: out, files: [] })).discard();
  });

  it('removes what a killed run left beside the output (its run dir, an old output being deleted)', async () => {
    await mkdir(join(ws, '.airlock', '.out.run-Ab12Cd'), { recursive: true });
    await writeFile(join(ws, '.airlock', '.out.run-Ab12Cd', 'report.json'), 'half');
    await mkdir(join(ws, '.airlock', '.out.old-1a2b3c4d', '001-x'), { recursive: true });
    await mkdir(join(ws, '.airlock', '.other.run-keep'));
    await completedRun({ 'report.json': 'whole' });
    expect((await readdir(join(ws, '.airlock'))).sort()).toEqual(['.other.run-keep', 'out']);
  });

  it('never deletes a directory Airlock did not write; the workspace itself is refused', async () => {
    await mkdir(out, { recursive: true });
    await writeFile(join(out, 'notes.txt'), 'mine');
    expect(await codeOf(openOutputRun({ workspace: ws, outDir: out, files: [] }))).toBe('PATH_INVALID');
    expect(await readFile(join(out, 'notes.txt'), 'utf8')).toBe('mine');
    expect(await codeOf(openOutputRun({ workspace: ws, outDir: ws, files: [] }))).toBe('PATH_INVALID');
  });

  it('takes over the layout an Airlock before the marker wrote', async () => {
    await mkdir(join(out, '001-a'), { recursive: true });
    await writeFile(join(out, 'report.json'), 'old');
    await writeFile(join(out, '001-a', 'x.csv'), 'old');
    await completedRun({ 'report.json': 'new' });
    expect(await readdir(out)).toEqual([RUN_MARKER, 'report.json'].sort());
  });
});

describe('links where Airlock writes', () => {
  let outside: string;
  beforeEach(async () => {
    outside = join(root, 'outside', '.config', 'git');
    await mkdir(outside, { recursive: true });
  });

  it.each([
    ['a link where the output dir’s parent will be', '.airlock', '../outside/.config/git'],
    ['a link where the output dir will be', '.airlock/out', '../../outside/.config/git'],
  ])('%s: PATH_INVALID, nothing written through it', async (_name, at, target) => {
    await mkdir(join(ws, '.airlock'), { recursive: true });
    if (at === '.airlock') await rm(join(ws, '.airlock'), { recursive: true });
    await symlink(target, join(ws, at));
    expect(await codeOf(openOutputRun({ workspace: ws, outDir: out, files: [] }))).toBe('PATH_INVALID');
    expect(await readdir(outside)).toEqual([]);
  });

  it('a link inside an earlier output dir is removed, never followed', async () => {
    await mkdir(out, { recursive: true });
    await writeFile(join(outside, 'config'), 'keep me');
    await symlink(outside, join(out, '001-evil'));
    await completedRun({ '001-evil/config': 'artifact' });
    expect(await readFile(join(outside, 'config'), 'utf8')).toBe('keep me');
    expect(await readFile(join(out, '001-evil/config'), 'utf8')).toBe('artifact');
  });

  it('a link on the way to a report or audit log path is refused', async () => {
    await symlink(outside, join(ws, 'reports'));
    expect(
      await codeOf(openOutputRun({ workspace: ws, outDir: out, files: [join(ws, 'reports', 'r.json')] })),
    ).toBe('PATH_INVALID');
    expect(await codeOf(ensureRealDirs(ws, join(ws, 'reports', 'audit'), 'audit log'))).toBe('PATH_INVALID');
    expect(await readdir(outside)).toEqual([]);
    // And the lock of the refused run was released.
    expect(existsSync(join(ws, '.airlock', '.out.lock'))).toBe(false);
  });
});
