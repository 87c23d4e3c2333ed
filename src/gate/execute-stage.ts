import { mkdir } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { egressFor } from '../egress/policy-egress.js';
import { loadInstalls, type RunEgress, startRunEgress } from '../egress/run-egress.js';
import { profileFor } from '../policy/helpers.js';
import type { Policy } from '../policy/index.js';
import type { ExecutionResult, ScriptReport } from '../report/types.js';
import { KEEPER_GRACE_SECONDS } from '../sandbox/container-spec.js';
import type { ContainerEngine } from '../sandbox/container-engine.js';
import type { runBatch } from '../sandbox/run-batch.js';
import type { DataMountSpec, SandboxConfig } from '../sandbox/types.js';
import { asCancelled, cancelledBy } from './cancel.js';

/**
 * A name for a script's artifact folder that cannot escape `outDir` and cannot collide:
 * the script's position plus its basename with anything unusual replaced. Script names
 * are attacker-chosen (`../x.py`, `$(id).py`, newlines).
 */
export function artifactDirName(index: number, scriptPath: string): string {
  const base = posix.basename(scriptPath).replace(/\.py$/i, '');
  const safe =
    base
      .replace(/[^A-Za-z0-9._-]/g, '_')
      .replace(/^[.-]+/, '_')
      .slice(0, 80) || 'script';
  return `${String(index + 1).padStart(3, '0')}-${safe}`;
}

/**
 * Runs every script whose level the policy lets run, up to `parallelism` at once, each
 * in its own hardened container with the profile its level maps to. Scripts the policy
 * does not run keep decision `blocked` (level blocked) or `skipped` (a level not run).
 * Calls `onResult` as each run ends, so results are recorded even if a later one crashes.
 *
 * Cancelled (`signal` aborted): runs in flight end with status `cancelled` (unless they
 * had already succeeded) and are recorded like any other; runnable scripts never
 * started keep decision `skipped` with no execution. Returns those two counts.
 */
export async function executeStage(opts: {
  policy: Policy;
  scripts: ScriptReport[];
  dirOf: (scriptPath: string) => string;
  /** The command for a script that is not run as `python3 ./NAME` (a notebook: notebookCommand). */
  commandOf?: (scriptPath: string) => string[] | undefined;
  sandbox: SandboxConfig;
  /** The policy's data inputs as this script's sandbox mounts them (src/gate/data-layout.ts). */
  dataOf?: (scriptPath: string) => DataMountSpec | undefined;
  outDir: string;
  runBatch: typeof runBatch;
  /** The container engine the scripts run on (the batch's default: the local Docker engine). */
  engine?: ContainerEngine;
  progress: (line: string) => void;
  onResult: (script: ScriptReport, result: ExecutionResult) => Promise<void>;
  signal?: AbortSignal;
  /** The checkout: where a profile's install phase reads its requirements file (docs/egress.md). */
  workspace?: string;
}): Promise<{ inFlightCancelled: number; notStarted: number }> {
  const runnable: {
    script: ScriptReport;
    index: number;
    profile: NonNullable<ReturnType<typeof profileFor>>;
  }[] = [];
  opts.scripts.forEach((script, index) => {
    const profile = profileFor(opts.policy, script.level);
    if (script.level === 'blocked') script.decision = 'blocked';
    else if (!profile) script.decision = 'skipped';
    else runnable.push({ script, index, profile });
  });
  let done = 0;
  // Install phases: each requirements file read and checked once, before any container.
  const installs = await loadInstalls(
    opts.policy,
    runnable.map((r) => r.script.level),
    opts.workspace ?? process.cwd(),
  );
  // One proxy per run with egress (docs/egress.md), closed as its run ends or below.
  const sessions = new Map<ScriptReport, RunEgress>();
  // A container started ahead may wait for a slot as long as the slowest run (and its install phase) takes.
  const longest = Math.max(
    0,
    ...runnable.map(
      (r) => r.profile.limits.timeoutSeconds + (installs.get(r.script.level)?.settings.timeoutSeconds ?? 0),
    ),
  );
  try {
    await opts.runBatch(runnable, {
      engine: opts.engine,
      parallelism: opts.sandbox.parallelism,
      idleSeconds: longest + KEEPER_GRACE_SECONDS,
      specOf: async ({ script, index, profile }) => {
        const artifacts = join(opts.outDir, artifactDirName(index, script.path));
        await mkdir(artifacts, { recursive: true });
        // `./name` so a script called `-c.py` or `--help.py` is a file, not an option.
        const command = opts.commandOf?.(script.path) ?? ['python3', `./${posix.basename(script.path)}`];
        const egress = egressFor(opts.policy, script.level);
        const install = installs.get(script.level);
        // loadPolicy refuses an install phase for a level without egress.
        if (install && !egress) throw new Error(`level ${script.level}: an install phase without egress`);
        const session = egress ? await startRunEgress(egress, install, command) : undefined;
        if (session) sessions.set(script, session);
        const data = opts.dataOf?.(script.path);
        return {
          sandbox: opts.sandbox,
          limits: profile.limits,
          profile: profile.name,
          workDir: opts.dirOf(script.path),
          command,
          collectOutputTo: artifacts,
          label: script.path,
          ...(data ? { data } : {}),
          ...session?.spec,
        };
      },
      signal: opts.signal,
      onResult: async ({ script }, _i, ran) => {
        const by = cancelledBy(opts.signal);
        const session = sessions.get(script);
        const egress = session ? await session.finish() : {};
        const result = { ...(by ? asCancelled(ran, by) : ran), ...egress };
        script.decision = 'executed';
        script.execution = result;
        done += 1;
        opts.progress(
          `run ${done}/${runnable.length}: ${JSON.stringify(script.path)} ${result.status} in ${result.durationMs} ms`,
        );
        await opts.onResult(script, result);
      },
    });
  } finally {
    // A run that never reached onResult (a crash, a cancel) still stops its proxy.
    await Promise.all([...sessions.values()].map((s) => s.finish().catch(() => ({}))));
  }
  return {
    inFlightCancelled: runnable.filter((r) => r.script.execution?.status === 'cancelled').length,
    notStarted: runnable.filter((r) => r.script.execution === undefined).length,
  };
}
