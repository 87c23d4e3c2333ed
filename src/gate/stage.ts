import { createHash } from 'node:crypto';
import { constants, createWriteStream, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';

/**
 * Stages what the scanners read and the sandbox runs into a private directory.
 *
 * Why not mount the workspace itself:
 * - TOCTOU: the bytes scanned, hashed, recorded and executed must be the same
 *   bytes. The stage holds the exact bytes discovery hashed.
 * - Exposure: a script at the repository root would otherwise see `.git`
 *   (history, maybe credentials in `.git/config`) and every dotfile (`.env`).
 *   The stage copies only regular, non-hidden files; symlinks are never copied,
 *   so nothing outside the workspace can be reached through one.
 *
 * Each script's directory (with its data files and subfolders) is staged, bounded
 * by a file count and byte budget; what is left out is reported as a notice.
 */
export interface StageInput {
  workspace: string;
  scripts: { path: string; content: Buffer }[];
  maxFiles: number;
  maxBytes: number;
}

export interface Stage {
  root: string;
  notices: string[];
  /** Host directory of the staged copy of a script's folder. */
  dirOf(scriptPath: string): string;
  dispose(): Promise<void>;
}

export async function stageScripts(input: StageInput): Promise<Stage> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-stage-'));
  // mkdtemp makes it 0700; the sandbox's non-root user must be able to read (never write) it.
  await chmod(root, 0o755);
  // The copies of the scripts must not outlive the process, even when a cancelled gate
  // runs out of time and exits from its deadline (src/gate/cancel.ts): an 'exit'
  // listener can only work synchronously.
  const removeOnExit = () => rmSync(root, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const notices: string[] = [];
  const budget = { files: input.maxFiles, bytes: input.maxBytes, exhausted: false };
  const dirs = [...new Set(input.scripts.map((s) => posix.dirname(s.path)))].sort();
  const staged: string[] = [];
  for (const dir of dirs) {
    // A folder inside one already staged was copied with it.
    if (staged.some((d) => d === '.' || dir === d || dir.startsWith(`${d}/`))) continue;
    staged.push(dir);
    await copyTree(join(input.workspace, dir), join(root, dir), dir, budget, notices);
  }
  if (budget.exhausted) {
    notices.push(
      `staging stopped copying data files at ${input.maxFiles} files / ${input.maxBytes} bytes; scripts may miss inputs`,
    );
  }
  // The scripts themselves always get exactly the bytes that were hashed and scanned.
  for (const s of input.scripts) {
    const dest = join(root, s.path);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, s.content, { mode: 0o644 });
  }
  return {
    root,
    notices,
    dirOf: (p) => join(root, posix.dirname(p)),
    dispose: async () => {
      process.off('exit', removeOnExit);
      await rm(root, { recursive: true, force: true });
    },
  };
}

async function copyTree(
  src: string,
  dest: string,
  rel: string,
  budget: { files: number; bytes: number; exhausted: boolean },
  notices: string[],
): Promise<void> {
  await mkdir(dest, { recursive: true, mode: 0o755 });
  let entries: string[];
  try {
    entries = (await readdir(src)).sort();
  } catch {
    return;
  }
  for (const name of entries) {
    // Hidden entries (.git, .env, .github, .ssh) are never exposed to a script.
    if (name.startsWith('.')) continue;
    const from = join(src, name);
    const st = await lstat(from);
    if (st.isSymbolicLink()) {
      notices.push(`not staged (symlink): ${posix.join(rel, name)}`);
      continue;
    }
    if (st.isDirectory()) {
      await copyTree(from, join(dest, name), posix.join(rel, name), budget, notices);
    } else if (st.isFile()) {
      if (budget.files <= 0 || budget.bytes < st.size) {
        budget.exhausted = true;
        continue;
      }
      budget.files -= 1;
      budget.bytes -= st.size;
      await copyNoFollow(from, join(dest, name));
    }
  }
}

export function sha256Hex(data: Buffer | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Copies a regular file, refusing one swapped for a symlink since it was listed (O_NOFOLLOW). */
async function copyNoFollow(from: string, to: string): Promise<void> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return;
  }
  try {
    if (!(await fh.stat()).isFile()) return;
    await pipeline(fh.createReadStream({ autoClose: false }), createWriteStream(to, { mode: 0o644 }));
  } finally {
    await fh.close();
  }
}
