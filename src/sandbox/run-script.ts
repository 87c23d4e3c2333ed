import { createHash } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { UserError } from '../errors.js';
import type { ExecutionResult } from '../report/types.js';
import { VERSION } from '../version.js';
import { sweepOrphans } from './containers.js';
import { defaultEngine } from './docker-engine.js';
import { requireEngineRuntime, requireEngineUp, requireImage } from './engine-ready.js';
import { runHardened } from './run-hardened.js';
import type { SandboxConfig, SandboxLimits } from './types.js';

/**
 * `airlock run`'s core, reusable by the gate: one script of the workspace in the
 * hardened sandbox, its artifacts copied to `outDir`.
 */
export interface RunScriptOptions {
  /** Workspace root; the script must be inside it. */
  workspace: string;
  /** The script, relative to the workspace (or absolute inside it). */
  script: string;
  /** Receives the artifacts; must not exist yet or be an empty directory. */
  outDir: string;
  sandbox: SandboxConfig;
  profile: { name: string; limits: SandboxLimits };
  /** Recorded in the report. */
  policy?: { path: string; name: string; sha256: string };
}

/** The JSON `airlock run --report` writes: the gate report's shape, for one script. */
export interface RunReport {
  version: 1;
  tool: { name: 'airlock'; version: string };
  startedAt: string;
  finishedAt: string;
  workspace: string;
  image: { ref: string; id: string };
  policy?: { path: string; name: string; sha256: string };
  profile: { name: string; limits: SandboxLimits };
  outDir: string;
  scripts: {
    path: string;
    sha256: string;
    bytes: number;
    decision: 'executed';
    execution: ExecutionResult;
  }[];
}

function inside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Resolves the script to a real, regular file inside the workspace. A symlink is
 * followed only to check where it really points: one leaving the workspace (e.g. to
 * ~/.ssh or /etc) is refused, because its directory is what gets mounted.
 */
export async function resolveScript(
  workspace: string,
  script: string,
): Promise<{ real: string; dir: string; rel: string }> {
  const root = await realpath(workspace).catch(() => {
    throw new UserError('PATH_INVALID', `workspace ${workspace} does not exist`);
  });
  const given = path.resolve(root, script);
  if (!inside(root, given))
    throw new UserError('PATH_OUTSIDE_WORKSPACE', `${script} is outside the workspace ${root}`);
  const real = await realpath(given).catch(() => {
    throw new UserError('PATH_INVALID', `${script} does not exist`);
  });
  if (!inside(root, real)) {
    throw new UserError(
      'PATH_OUTSIDE_WORKSPACE',
      `${script} resolves (through a symlink) outside the workspace`,
    );
  }
  const st = await lstat(real);
  if (!st.isFile()) throw new UserError('PATH_INVALID', `${script} is not a regular file`);
  const dir = path.dirname(real);
  // The sandbox user (uid 10001) reads the directory through a read-only bind mount.
  const dirMode = (await stat(dir)).mode;
  if ((dirMode & 0o005) !== 0o005 || (st.mode & 0o004) === 0) {
    throw new UserError(
      'PATH_INVALID',
      `${script} or its directory is not readable by the sandbox user: make it world-readable (chmod o+rx DIR, o+r FILE)`,
    );
  }
  return { real, dir, rel: path.relative(root, real).split(path.sep).join('/') };
}

async function prepareOutDir(outDir: string): Promise<string> {
  const abs = path.resolve(outDir);
  const st = await lstat(abs).catch(() => null);
  if (st === null) {
    await mkdir(abs, { recursive: true });
  } else if (!st.isDirectory()) {
    throw new UserError('PATH_INVALID', `--out ${outDir} exists and is not a directory`);
  } else if ((await readdir(abs)).length > 0) {
    // Artifacts are created exclusively (never overwriting); an old file would collide.
    throw new UserError('PATH_INVALID', `--out ${outDir} is not empty: choose a new directory`);
  }
  return realpath(abs);
}

/** Checks the engine and image, sweeps orphans, runs the script. Throws UserError (exit 2). */
export async function runScript(opts: RunScriptOptions): Promise<RunReport> {
  const startedAt = new Date().toISOString();
  const script = await resolveScript(opts.workspace, opts.script);
  const content = await readFile(script.real);
  const engine = defaultEngine();
  await requireEngineUp(engine);
  await requireEngineRuntime(engine, opts.sandbox.runtime);
  const imageId = await requireImage(engine, opts.sandbox.image);
  await sweepOrphans(opts.sandbox.label, engine);
  const outDir = await prepareOutDir(opts.outDir);
  const execution = await runHardened({
    sandbox: opts.sandbox,
    limits: opts.profile.limits,
    profile: opts.profile.name,
    workDir: script.dir,
    // `--` so a script named `-c.py` is a file, not an option.
    command: ['python3', '--', path.basename(script.real)],
    collectOutputTo: outDir,
    label: script.rel,
  });
  return {
    version: 1,
    tool: { name: 'airlock', version: VERSION },
    startedAt,
    finishedAt: new Date().toISOString(),
    workspace: await realpath(opts.workspace),
    image: { ref: opts.sandbox.image, id: imageId },
    ...(opts.policy ? { policy: opts.policy } : {}),
    profile: opts.profile,
    outDir,
    scripts: [
      {
        path: script.rel,
        sha256: createHash('sha256').update(content).digest('hex'),
        bytes: content.length,
        decision: 'executed',
        execution,
      },
    ],
  };
}
