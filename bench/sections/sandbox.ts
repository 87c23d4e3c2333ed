import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCgroupStats } from '../../src/sandbox/cgroup.js';
import { newContainerIds, trackContainer, untrackContainer } from '../../src/sandbox/containers.js';
import { containerSpecFor } from '../../src/sandbox/container-spec.js';
import { FramedStdout } from '../../src/sandbox/copy-out-frame.js';
import { defaultEngine } from '../../src/sandbox/docker-engine.js';
import { copyOutExec, scriptExec, usesCopyOutLauncher } from '../../src/sandbox/exec-config.js';
import { runHardened } from '../../src/sandbox/run-hardened.js';
import type { SandboxRuntime } from '../../src/sandbox/types.js';
import { bareRunArgs, diyRunArgs, docker, emptyScriptDir, standardSpec } from '../lib/docker-bench.js';
import { type Summary, summarize } from '../lib/stats.js';
import { repeat } from '../lib/timing.js';

/**
 * The sandbox's fixed cost: what one trivial (empty) script costs in wall time, from
 * the engine's own floor up to Airlock's full hardened run, per runtime; and where a
 * hardened run spends that time, phase by phase, with timestamps.
 */
export interface SandboxFixedCost {
  runtime: SandboxRuntime;
  /** `docker version`: one CLI start plus one API round trip, the unit every phase pays. */
  dockerCliRoundTrip: Summary;
  /** `docker run --rm IMAGE true`: the engine's own container start/stop cost. */
  engineTrue: Summary;
  /** `docker run --rm IMAGE python3 empty.py`, no hardening: engine plus interpreter. */
  enginePython: Summary;
  /** The do-it-yourself `docker run --rm` with Airlock's hardening flags. */
  diyHardened: Summary;
  /** `runHardened` (keeper + exec + cgroup read + copy-out + rm), as the gate calls it. */
  airlock: Summary;
  /** Medians of each phase of Airlock's lifecycle, measured with timestamps. */
  phases: Record<string, Summary>;
}

export async function benchSandboxFixedCost(opts: {
  image: string;
  runtime: SandboxRuntime;
  reps: number;
}): Promise<SandboxFixedCost> {
  const { dir, script } = await emptyScriptDir();
  const out = await mkdtemp(join(tmpdir(), 'airlock-bench-out-'));
  try {
    const spec = { ...standardSpec(opts.image, opts.runtime, dir, script), collectOutputTo: out };
    const { reps } = opts;
    const cli = await repeat(reps, () => docker(['version', '--format', '{{.Server.Version}}']), 1);
    const engineTrue = await repeat(reps, () => docker(bareRunArgs(opts.image, opts.runtime, ['true'])), 1);
    const enginePython = await repeat(
      reps,
      () => docker(bareRunArgs(opts.image, opts.runtime, ['python3', '-c', ''])),
      1,
    );
    const diy = await repeat(reps, () => docker(diyRunArgs(spec)), 1);
    const airlock = await repeat(
      reps,
      async () => {
        const r = await runHardened(spec);
        if (r.status !== 'success')
          throw new Error(`empty script did not succeed: ${r.status} ${r.reason ?? ''}`);
      },
      1,
    );
    const phaseSamples: Record<string, number[]> = {};
    await profileLifecycle(spec, phaseSamples); // warm-up, discarded
    for (const k of Object.keys(phaseSamples)) phaseSamples[k] = [];
    for (let i = 0; i < reps; i++) await profileLifecycle(spec, phaseSamples);
    const phases: Record<string, Summary> = {};
    for (const [k, v] of Object.entries(phaseSamples)) phases[k] = summarize(v);
    return {
      runtime: opts.runtime,
      dockerCliRoundTrip: cli.summary,
      engineTrue: engineTrue.summary,
      enginePython: enginePython.summary,
      diyHardened: diy.summary,
      airlock: airlock.summary,
      phases,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
    await rm(out, { recursive: true, force: true });
  }
}

/**
 * The same lifecycle `runHardened` goes through, from the same ContainerSpec and engine, with
 * a timestamp around every step. Kept in step with src/sandbox/run-hardened.ts by
 * construction (same spec and engine calls); it skips only the result classification (pure CPU).
 */
async function profileLifecycle(
  spec: ReturnType<typeof standardSpec> & { collectOutputTo: string },
  into: Record<string, number[]>,
): Promise<void> {
  const add = (k: string, ms: number) => {
    into[k] ??= [];
    into[k].push(ms);
  };
  const engine = defaultEngine();
  const container = containerSpecFor(spec, newContainerIds('bench-profile'));
  trackContainer(container.name, engine);
  let t = performance.now();
  const total = t;
  try {
    // As runHardened does: create and start through the engine's API.
    const id = await engine.create(container);
    await engine.start(id);
    add('1 create+start keeper', performance.now() - t);
    t = performance.now();
    // As runHardened does: under runc one exec runs the script and streams the output
    // archive after it; under runsc the archive is a second exec of its own.
    const launcher = usesCopyOutLauncher(spec);
    const framed = launcher ? new FramedStdout(1024 * 1024, 1024 * 1024) : undefined;
    let stderr = '';
    const exec = await engine.exec(container.name, scriptExec(spec, container), {
      stdout: (c) => framed?.push(c),
      stderr: (c) => {
        stderr += c.toString('utf8');
      },
    });
    if (exec.exitCode !== 0 || (framed && !framed.archive().ok)) throw new Error(`exec failed: ${stderr}`);
    add('2 exec python3 script (runc: + copy-out tar)', performance.now() - t);
    t = performance.now();
    await readCgroupStats(id);
    add('3 read cgroup (peak memory, OOM)', performance.now() - t);
    if (!launcher) {
      t = performance.now();
      const tar = await engine.copyOut(container.name, copyOutExec(container), 1024 * 1024, 120_000);
      if (tar.exitCode !== 0) throw new Error(`copy-out failed: ${tar.stderr}`);
      add('4 exec tar (copy-out, runsc)', performance.now() - t);
    }
  } finally {
    t = performance.now();
    if (await engine.remove(container.name)) untrackContainer(container.name);
    add('5 rm -f', performance.now() - t);
    add('total', performance.now() - total);
  }
}
