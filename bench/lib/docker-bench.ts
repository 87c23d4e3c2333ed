import { chmod, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeFailure, tryRunCommand } from '../../src/exec/run-command.js';
import { newContainerIds } from '../../src/sandbox/containers.js';
import { containerSpecFor } from '../../src/sandbox/container-spec.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../src/sandbox/profiles.js';
import { renderRunArgv } from '../../src/sandbox/render-run-argv.js';
import type { HardenedRunSpec, SandboxRuntime } from '../../src/sandbox/types.js';

/** The spec Airlock uses for a `low` script (standard profile), for a given directory. */
export function standardSpec(
  image: string,
  runtime: SandboxRuntime,
  workDir: string,
  script: string,
): HardenedRunSpec {
  return {
    sandbox: { ...DEFAULT_SANDBOX_CONFIG, image, runtime },
    limits: DEFAULT_PROFILES.standard,
    profile: 'standard',
    workDir,
    command: ['python3', `./${script}`],
    label: 'bench',
  };
}

/**
 * The do-it-yourself gate's `docker run`: one `docker run --rm` per script with the SAME
 * hardening flags as Airlock's container (rendered from the same ContainerSpec, so the two cannot drift),
 * minus what only the keeper design needs (detached keeper, its uid and `sleep`). The
 * script runs as the container's main process; its artifacts die with the tmpfs, and no
 * peak memory is read: the baseline does strictly less work than Airlock.
 */
export function diyRunArgs(spec: HardenedRunSpec): string[] {
  const full = renderRunArgv(containerSpecFor(spec, newContainerIds('diy')));
  const userAt = full.lastIndexOf('--user');
  if (full[0] !== 'run' || userAt < 0) throw new Error('unexpected docker run argv shape');
  const flags = full.slice(1, userAt).filter((a) => a !== '--detach');
  return [
    'run',
    '--rm',
    ...flags,
    '--user',
    spec.sandbox.user,
    '--entrypoint',
    spec.command[0] ?? 'python3',
    spec.sandbox.image,
    ...spec.command.slice(1),
  ];
}

/** The engine's own container cost: no hardening flags beyond what it needs to run at all. */
export function bareRunArgs(image: string, runtime: SandboxRuntime, command: string[]): string[] {
  return [
    'run',
    '--rm',
    '--runtime',
    runtime,
    '--pull',
    'never',
    '--network',
    'none',
    '--log-driver',
    'none',
    '--entrypoint',
    command[0] ?? 'true',
    image,
    ...command.slice(1),
  ];
}

/** Runs `docker ARGS` and throws (naming the command and its last stderr line) unless it exits 0. */
export async function docker(args: string[], timeoutMs = 300_000): Promise<string> {
  const r = await tryRunCommand('docker', args, { timeoutMs });
  if (r.exitCode !== 0) throw new Error(describeFailure(r));
  return r.stdout;
}

/** A world-readable temp directory holding one empty script, mountable as the sandbox's /work. */
export async function emptyScriptDir(): Promise<{ dir: string; script: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-bench-empty-'));
  await chmod(dir, 0o755);
  await writeFile(join(dir, 'empty.py'), '', { mode: 0o644 });
  return { dir, script: 'empty.py' };
}

export async function imageExists(ref: string): Promise<boolean> {
  const r = await tryRunCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', '--', ref], {
    timeoutMs: 20_000,
  });
  return r.exitCode === 0;
}

export async function runtimes(): Promise<string[]> {
  const out = await docker(['info', '--format', '{{json .Runtimes}}'], 20_000);
  return Object.keys(JSON.parse(out) as Record<string, unknown>);
}
