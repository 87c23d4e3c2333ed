import { copyFile, link, lstat, mkdir, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UserError } from '../errors.js';
import { scriptDirMountProblem } from '../sandbox/container-spec.js';
import type { DataMountSpec } from '../sandbox/types.js';
import { copyDataFiles, type DataFile, type DataLimits, findDataFiles } from './data-inputs.js';

/**
 * Where the policy's `data:` inputs appear in a script's sandbox: at the same relative
 * path from the script as in the repository, so `pd.read_csv("../data/sales.csv")` in
 * `analysis/report.py` works as it does on the author's machine.
 *
 * The layout (docs/hardening.md, "Data inputs"): `/work` mirrors the workspace root.
 * - `/work` is the data copy (src/gate/data-inputs.ts), read-only: only the data files,
 *   plus an empty folder at each script folder's path to mount it on;
 * - `/work/<script folder>` is the script's own staged folder, read-only, as before, and
 *   the working directory;
 * - data under a script's own folder is hidden by that mount, so it is also linked into
 *   the stage (replacing whatever the stage copied there): the bytes hashed are what the
 *   script reads wherever the file lies;
 * - a script at the workspace root has `/work` as its folder: its data is in the stage.
 * Without `data:` nothing changes: the script's folder is `/work`.
 */

export interface StagedData {
  /** What the report and the audit record: every file, its size and SHA-256. */
  files: DataFile[];
  notices: string[];
  /** The data mount of a script staged at `stagedPath`, or undefined (no data, or a root-level script). */
  mountFor(stagedPath: string): DataMountSpec | undefined;
}

/** True when `path` is inside the workspace-relative folder `dir` ('.' = the root). */
function under(dir: string, path: string): boolean {
  return dir === '.' || path.startsWith(`${dir}/`);
}

const folderOf = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.');

export async function stageData(opts: {
  workspace: string;
  patterns: readonly string[];
  limits: DataLimits;
  /** The policy file as the report names it: errors name it. */
  policyLabel: string;
  /** An empty folder of the stage's that receives the copy (mounted as `/work`). */
  into: string;
  /** The stage's tree (workspace-relative paths): data under a script folder is linked in. */
  tree: string;
  /** Staged paths of the scripts that may run. */
  scripts: readonly string[];
}): Promise<StagedData> {
  const where = { policy: opts.policyLabel };
  const found = await findDataFiles(opts.workspace, opts.patterns, opts.limits, where);
  const notices = found.unmatched.map(
    (p) => `policy data: ${JSON.stringify(p)} matched no file (a folder needs "folder/**")`,
  );
  await mkdir(opts.into, { mode: 0o755 });
  const files = await copyDataFiles(opts.workspace, found.files, opts.into, opts.limits, where);
  if (files.length === 0) return { files, notices, mountFor: () => undefined };
  // A folder whose name cannot be a mount path fails only its own scripts (they run
  // without the data, as before, and say so), never the whole gate.
  const unmountable = new Set<string>();
  const dirs = [...new Set(opts.scripts.map(folderOf))].sort();
  for (const dir of dirs) {
    const problem = dir === '.' ? null : scriptDirMountProblem(dir);
    if (problem) {
      unmountable.add(dir);
      notices.push(`policy data: not mounted for the scripts in ${JSON.stringify(dir)}: ${problem}`);
      continue;
    }
    for (const f of files.filter((x) => under(dir, x.path))) {
      await linkInto(join(opts.into, f.path), join(opts.tree, f.path));
    }
    if (dir !== '.') await mountPoint(opts.into, dir, files);
  }
  return {
    files,
    notices,
    mountFor: (stagedPath) => {
      const dir = folderOf(stagedPath);
      return dir === '.' || unmountable.has(dir) ? undefined : { host: opts.into, scriptDir: dir };
    },
  };
}

/** Puts the data copy at `dest` in the stage (ours: no links there), replacing a staged copy. */
async function linkInto(src: string, dest: string): Promise<void> {
  await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
  if (await lstat(dest).catch(() => null)) await unlink(dest);
  // A filesystem without hard links (some tmpfs/overlay setups) gets a copy instead.
  await link(src, dest).catch(() => copyFile(src, dest));
}

/** The empty folder the script's folder is mounted on: the engine must not create it. */
async function mountPoint(root: string, dir: string, files: DataFile[]): Promise<void> {
  const clash = files.find((f) => dir === f.path || dir.startsWith(`${f.path}/`));
  if (clash) {
    throw new UserError(
      'PATH_INVALID',
      `data file ${JSON.stringify(clash.path)} is where the script folder ${JSON.stringify(dir)} must be mounted`,
    );
  }
  await mkdir(join(root, dir), { recursive: true, mode: 0o755 });
}
