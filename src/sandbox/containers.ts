import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { type ContainerEngine, isEngineFailure } from './container-engine.js';
import { type ContainerIds, OWNER_HOST_LABEL, OWNER_PID_LABEL, OWNER_START_LABEL } from './container-spec.js';
import { dockerClientEnv } from './docker.js';
import { defaultEngine } from './docker-engine.js';
import { pidAlive as processAlive } from '../exec/pid.js';

/**
 * No container left behind: every container is tracked from before `docker run` until
 * it is removed. While any is live, SIGINT/SIGTERM remove them all, then the process
 * exits as the signal would have ended it; an `exit` hook removes stragglers
 * synchronously. What a SIGKILL leaves (it cannot be caught) stops by itself (the
 * keeper's lifetime is bounded) and `sweepOrphans` removes it on the next run.
 */
/** Each live container and the engine that runs it (removal goes to the same engine). */
const live = new Map<string, ContainerEngine>();
const removeLive = (name: string) => removeContainer(live.get(name) ?? defaultEngine(), name);

const sleepMs = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Removes a container; true once it is gone. A removal already in progress (another
 * caller's) is waited out, at most 60 x 500 ms, and a refused one is asked again. A dead
 * engine is not: the first `engine-gone` answer ends the wait (the CLI-era loop polled a
 * dead engine for 30 s per container, issue 21 item 8); what it leaves is for
 * src/sandbox/engine-leftovers.ts to name.
 */
export async function removeContainer(
  engine: ContainerEngine,
  name: string,
  sleep: (ms: number) => Promise<void> = sleepMs,
): Promise<boolean> {
  if (await engine.remove(name)) return true;
  for (let i = 1; i <= 60; i++) {
    try {
      if ((await engine.inspect(name)) === null) return true;
    } catch (e) {
      if (isEngineFailure(e, 'engine-gone')) return false;
    }
    await sleep(500);
    // Not only a removal in progress: Podman 4.3 refuses one (500) when the container is
    // stopping by itself at that moment ("container state improper", its shm still
    // busy), and nobody else removes it then. Asked again every 2 s; a removal really
    // in progress just answers 409 again.
    if (i % 4 === 0 && (await engine.remove(name))) return true;
  }
  return false;
}
let counter = 0;
/**
 * Set while a caller (the gate's cancellation, src/gate/cancel.ts) handles SIGINT and
 * SIGTERM itself: it stops the runs, writes the partial report and audit entry, and
 * exits. Then a signal here must not exit under it; the exit hook stays the backstop.
 */
let signalsOwned = false;

export function ownSignals(owned: boolean): void {
  signalsOwned = owned;
}

/** Removes every live container now (cancellation): their scripts' execs end with them. */
export async function removeLiveContainers(): Promise<void> {
  await Promise.allSettled([...live.keys()].map((n) => removeLive(n)));
}

/** Start time of a process in clock ticks since boot (field 22 of /proc/PID/stat). */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and ')': split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? null;
  } catch {
    return null;
  }
}

const RUN_ID = randomBytes(4).toString('hex');

/** Ids for a new container of this process; the name is unique per run and call. */
export function newContainerIds(label?: string): ContainerIds {
  counter += 1;
  // The label (a script path) is hostile: keep only a short [a-z0-9-] slug for humans.
  const slug = (label ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(-40);
  return {
    name: `airlock-${RUN_ID}-${counter}${slug ? `-${slug}` : ''}`,
    runId: RUN_ID,
    ownerPid: process.pid,
    ownerStart: processStartTime(process.pid) ?? 'unknown',
    ownerHost: os.hostname(),
  };
}

function onSignal(signal: NodeJS.Signals): void {
  if (signalsOwned) return;
  const code = 128 + (os.constants.signals[signal] ?? 15);
  const names = [...live.keys()];
  void Promise.allSettled(names.map((n) => removeLive(n))).finally(() => process.exit(code));
}

function onExit(): void {
  // Synchronous: an 'exit' listener cannot wait for promises.
  if (live.size === 0) return;
  spawnSync('docker', ['rm', '--force', ...live.keys()], {
    env: dockerClientEnv(),
    stdio: 'ignore',
    timeout: 30_000,
  });
}

function installHandlers(): void {
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', onExit);
}

function removeHandlers(): void {
  // Gone again once nothing is live: the default signal behaviour comes back.
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('exit', onExit);
}

export function trackContainer(name: string, engine: ContainerEngine): void {
  if (live.size === 0) installHandlers();
  live.set(name, engine);
}

export function untrackContainer(name: string): void {
  live.delete(name);
  if (live.size === 0) removeHandlers();
}

export function liveContainers(): string[] {
  return [...live.keys()];
}

/** Removals started by `removeInBackground` and not yet finished. */
const removing = new Set<Promise<void>>();
/** Containers a background removal could not remove (still tracked: exit removes them). */
const notRemoved = new Set<string>();

/**
 * `docker rm -f` off the caller's critical path: a batch hands its slot to the next
 * script while the engine tears this container down. The container stays tracked (so
 * a signal or exit still removes it) until the engine says it is gone; whoever started
 * background removals must `awaitRemovals()` before it reports that it is done.
 */
export function removeInBackground(name: string): void {
  const p: Promise<void> = removeLive(name).then(
    (gone) => {
      if (gone) untrackContainer(name);
      else notRemoved.add(name);
    },
    () => {
      notRemoved.add(name);
    },
  );
  removing.add(p);
  void p.finally(() => removing.delete(p));
}

/** Waits until every background removal has finished; returns the containers that are not gone. */
export async function awaitRemovals(): Promise<string[]> {
  while (removing.size > 0) await Promise.all([...removing]);
  const left = [...notRemoved];
  notRemoved.clear();
  return left;
}

/**
 * Removes containers with our label whose owning process is gone (or whose pid now
 * belongs to a different process). Containers owned by another host are left alone:
 * on a shared engine we cannot see their processes. Returns the names removed; an
 * engine that cannot list its containers leaves nothing swept (the run's own checks
 * say whether it answers).
 */
export async function sweepOrphans(
  label: string,
  engine: ContainerEngine = defaultEngine(),
): Promise<string[]> {
  const listed = await engine.listContainers(label).catch(() => []);
  const host = os.hostname();
  const orphans: string[] = [];
  for (const { name, labels } of listed) {
    if (live.has(name) || labels[OWNER_HOST_LABEL] !== host) continue;
    const pid = Number(labels[OWNER_PID_LABEL]);
    const start = labels[OWNER_START_LABEL];
    const alive = Number.isSafeInteger(pid) && pid > 0 && processAlive(pid);
    const samePid = alive && (start === 'unknown' || processStartTime(pid) === start);
    if (!samePid) orphans.push(name);
  }
  const removed: string[] = [];
  for (const name of orphans) if (await removeContainer(engine, name)) removed.push(name);
  return removed;
}
