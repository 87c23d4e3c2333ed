import { constants, createWriteStream, rmSync } from 'node:fs';
import { chmod, lstat, mkdir, mkdtemp, open, readdir, rm, writeFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix } from 'node:path';
import {
  isPythonSource,
  MAGIC_BYTES,
  refusedContentReason,
  refusedDirReason,
  refusedFileReason,
} from './stage-rules.js';
import type { TrustLevel } from '../report/types.js';
import { buildRunView } from './run-view.js';
import { executableMembers, zipMembers } from './zip-members.js';
import { sha256Hex } from '../sha256.js';

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
 *
 * Nothing runs unscanned: every Python source staged beside a script is returned in
 * `modules` (with the SHA-256 of the staged bytes) so the pipeline scans it too, since
 * `import` would run it; files Python or the loader would run without a source
 * (bytecode, `.pth`, start-up hooks, native code) are never staged (stage-rules.ts).
 */
export interface StageInput {
  workspace: string;
  scripts: { path: string; content: Buffer }[];
  maxFiles: number;
  maxBytes: number;
}

/** A Python source staged beside the gated scripts that is not itself a gated script. */
export interface StagedModule {
  /** Workspace-relative, forward slashes. */
  path: string;
  sha256: string;
  bytes: number;
}

export interface Stage {
  /** The private folder holding `root` and the run views; removed by `dispose`. */
  base: string;
  root: string;
  notices: string[];
  /** Every staged Python source that is not a gated script, sorted by path. */
  modules: StagedModule[];
  /**
   * Builds what the sandbox mounts for scripts of each level: the stage minus that
   * level's hidden files (workspace-relative paths of Python sources assessed stricter),
   * with plain host paths. Call before `dirOf`.
   */
  prepareRun(hiddenByLevel: Partial<Record<TrustLevel, string[]>>): Promise<void>;
  /** Host directory of a script's folder in its level's run view: a path any engine can mount. */
  dirOf(scriptPath: string, level: TrustLevel): string;
  dispose(): Promise<void>;
}

export async function stageScripts(input: StageInput): Promise<Stage> {
  // base/tree is the staged copy with workspace-relative paths (what the scanners read);
  // base/run-<level> and base/mounts-<level> are what the sandbox mounts (run-view.ts).
  const base = await mkdtemp(join(tmpdir(), 'airlock-stage-'));
  // The copies of the scripts must not outlive the process, even when a cancelled gate
  // runs out of time and exits from its deadline (src/gate/cancel.ts): an 'exit'
  // listener can only work synchronously.
  const removeOnExit = () => rmSync(base, { recursive: true, force: true });
  process.on('exit', removeOnExit);
  const dispose = async () => {
    process.off('exit', removeOnExit);
    await rm(base, { recursive: true, force: true });
  };
  try {
    return await fillStage(base, input, dispose);
  } catch (e) {
    // A stage that failed half-way is never left behind in the temp dir.
    await dispose();
    throw e;
  }
}

async function fillStage(base: string, input: StageInput, dispose: () => Promise<void>): Promise<Stage> {
  const root = join(base, 'tree');
  // mkdtemp makes it 0700; the sandbox's non-root user must be able to read (never write) it.
  await chmod(base, 0o755);
  await mkdir(root, { mode: 0o755 });
  const notices: string[] = [];
  const budget = { files: input.maxFiles, bytes: input.maxBytes, exhausted: false };
  const dirs = [...new Set(input.scripts.map((s) => posix.dirname(s.path)))].sort();
  const staged: string[] = [];
  const python = new Map<string, StagedModule>();
  for (const dir of dirs) {
    // A folder inside one already staged was copied with it.
    if (staged.some((d) => d === '.' || dir === d || dir.startsWith(`${d}/`))) continue;
    staged.push(dir);
    await copyTree(join(input.workspace, dir), join(root, dir), dir, { budget, notices, python });
  }
  if (budget.exhausted) {
    notices.push(
      `staging stopped copying data files at ${input.maxFiles} files / ${input.maxBytes} bytes; scripts may miss inputs`,
    );
  }
  // The scripts themselves always get exactly the bytes that were hashed and scanned.
  for (const s of input.scripts) {
    python.delete(s.path);
    const dest = join(root, s.path);
    await mkdir(dirname(dest), { recursive: true });
    await writeFile(dest, s.content, { mode: 0o644 });
  }
  const views = new Map<TrustLevel, (dir: string) => string>();
  return {
    base,
    root,
    notices,
    modules: [...python.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    async prepareRun(hiddenByLevel) {
      for (const [level, hidden] of Object.entries(hiddenByLevel) as [TrustLevel, string[]][]) {
        views.set(
          level,
          await buildRunView({ base, tree: root, name: level, dirs, hidden: new Set(hidden) }),
        );
      }
    },
    dirOf: (p, level) => {
      // Fail closed: nothing is mounted before a view left out what is stricter.
      const view = views.get(level);
      if (!view) throw new Error(`stage.dirOf: no run view prepared for level ${level}`);
      return view(posix.dirname(p));
    },
    dispose,
  };
}

interface CopyState {
  budget: { files: number; bytes: number; exhausted: boolean };
  notices: string[];
  python: Map<string, StagedModule>;
}

async function copyTree(src: string, dest: string, rel: string, st: CopyState): Promise<void> {
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
    const relPath = posix.join(rel, name);
    const info = await lstat(from).catch((e: NodeJS.ErrnoException) => {
      // Listed but not found again by its name: a name that is not valid UTF-8 (Node
      // decodes it with U+FFFD, which names another, absent file) or one removed since.
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return null;
      throw e;
    });
    if (!info) {
      st.notices.push(
        `not staged (${name.includes('\uFFFD') ? 'name is not valid UTF-8' : 'vanished while staging'}): ${JSON.stringify(relPath)}`,
      );
      continue;
    }
    if (info.isSymbolicLink()) {
      st.notices.push(`not staged (symlink): ${relPath}`);
      continue;
    }
    if (info.isDirectory()) {
      const refused = refusedDirReason(name);
      if (refused) st.notices.push(`not staged (${refused}): ${relPath}/`);
      else await copyTree(from, join(dest, name), relPath, st);
    } else if (info.isFile()) {
      const refused = refusedFileReason(name);
      if (refused) {
        st.notices.push(`not staged (${refused}): ${relPath}`);
        continue;
      }
      if (st.budget.files <= 0 || st.budget.bytes < info.size) {
        st.budget.exhausted = true;
        continue;
      }
      st.budget.files -= 1;
      st.budget.bytes -= info.size;
      const copied = await copyNoFollow(from, join(dest, name), isPythonSource(name));
      if (copied.refused) st.notices.push(`not staged (${copied.refused}): ${relPath}`);
      else if (copied.content)
        st.python.set(relPath, {
          path: relPath,
          sha256: sha256Hex(copied.content),
          bytes: copied.content.length,
        });
    }
  }
}

/**
 * Copies a regular file, refusing one swapped for a symlink since it was listed
 * (O_NOFOLLOW) and one whose first bytes are native code. A Python source is read whole
 * and returned, so the hash the pipeline records is of the bytes staged and scanned.
 */
async function copyNoFollow(
  from: string,
  to: string,
  python: boolean,
): Promise<{ refused?: string; content?: Buffer }> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(from, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch {
    return {};
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) return {};
    const head = Buffer.alloc(MAGIC_BYTES);
    const { bytesRead } = await fh.read(head, 0, MAGIC_BYTES, 0);
    const refused = refusedContentReason(head.subarray(0, bytesRead));
    if (refused) return { refused };
    const zip = await zipMembers(fh, info.size);
    if (zip.zip && 'unreadable' in zip)
      return { refused: `${zip.unreadable}: zipimport could run code from it that no scanner read` };
    if (zip.zip) {
      const code = executableMembers(zip.names);
      if (code.length)
        return {
          refused: `zip archive holding code (${JSON.stringify(code[0])}${code.length > 1 ? ` and ${code.length - 1} more` : ''}): zipimport could run it, no scanner read it`,
        };
    }
    if (python) {
      const content = await fh.readFile();
      await writeFile(to, content, { mode: 0o644 });
      return { content };
    }
    await pipeline(
      fh.createReadStream({ autoClose: false, start: 0 }),
      createWriteStream(to, { mode: 0o644 }),
    );
    return {};
  } finally {
    await fh.close();
  }
}
