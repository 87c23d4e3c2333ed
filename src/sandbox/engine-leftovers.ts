import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { cgroupCandidates } from './cgroup.js';
import type { ExecutionResult } from '../report/types.js';
import { RUN_ID_LABEL } from './container-spec.js';

/**
 * What a dead engine leaves behind, found without the engine (issue 21 item 8).
 *
 * When dockerd is SIGKILLed its containers live on: each under its runtime shim
 * (`containerd-shim-runc-v2 -id ID`), the keeper, the script and any `runc init` of an
 * exec in flight in the container's cgroup. No engine call can reach them, and Airlock
 * must not kill host processes by pid: it cannot prove a pid is its own once the engine
 * that made it is gone (a pid is reused; the shim and `runc init` belong to the engine's
 * supervisor). So this module only *finds and names* them, from host state only a
 * container Airlock made can match:
 *
 * - the container's id, as the engine answered our create (64 hex digits, unique): its
 *   cgroup's `cgroup.procs` (readable by any user) lists the processes still in it;
 *   the shim is the process whose argv is `containerd-shim* ... -id ID`;
 * - a container whose create answer was lost with the engine (no id): the engine's own
 *   store, `<data root>/containers/ID/config.v2.json`, holds its name and labels; only
 *   an entry with our name *and* our run id label counts. The store is root's only; an
 *   unprivileged Airlock finds nothing there and says so.
 *
 * The OCI bundle's `config.json` (under containerd's task dir) carries no labels on
 * Docker 20.10 (no annotations; hostname `sandbox`, the spec's env), so it cannot tell
 * our containers from others' and is not read. runc's `state.json` (root only) names the
 * cgroup paths when they are not where `cgroupCandidates` looks (a custom cgroup parent).
 */

/** A container this run made that is still on the host after its engine died. */
export interface EngineLeftover {
  /** The name Airlock gave it. */
  name: string;
  /** Its id (the engine's create answer, or found in the engine's store); null: not found. */
  id: string | null;
  /** Processes still alive in its cgroup (keeper, script, `runc init`, gVisor's sentry). */
  pids: number[];
  /** The cgroup directory they were counted in. */
  cgroupDir: string | null;
  /** The runtime shim(s) still holding the container (`containerd-shim* -id ID`). */
  shimPids: number[];
}

/** Where to look; the defaults are the host's (tests of the parsers use fixture files). */
export interface LeftoverRoots {
  proc: string;
  /** Docker's container store (`<data root>/containers`). */
  dockerStore: string;
  /** runc's state dir for Docker's containers (`<exec root>/runtime-runc/moby`). */
  runcState: string;
}

export const HOST_ROOTS: LeftoverRoots = {
  proc: '/proc',
  dockerStore: '/var/lib/docker/containers',
  runcState: '/run/docker/runtime-runc/moby',
};

const ID_RE = /^[0-9a-f]{64}$/;

/** The pids in a `cgroup.procs` file (one decimal per line). */
export function parseCgroupProcs(text: string): number[] {
  const pids: number[] = [];
  for (const line of text.split('\n')) {
    if (!/^\d+$/.test(line.trim())) continue;
    const pid = Number(line.trim());
    if (Number.isSafeInteger(pid) && pid > 0) pids.push(pid);
  }
  return pids;
}

/** The container id a runtime shim serves, from its NUL-separated argv; null for any other process. */
export function shimContainerId(cmdline: Buffer): string | null {
  const argv = cmdline.toString('utf8').split('\0');
  if (!basename(argv[0] ?? '').startsWith('containerd-shim')) return null;
  const i = argv.indexOf('-id');
  const id = i >= 0 ? argv[i + 1] : undefined;
  return id !== undefined && ID_RE.test(id) ? id : null;
}

/** Name, id and labels from Docker's `config.v2.json`; null when it is not one. */
export function parseDockerStoreConfig(
  text: string,
): { id: string; name: string; labels: Record<string, string> } | null {
  let c: { ID?: unknown; Name?: unknown; Config?: { Labels?: unknown } };
  try {
    c = JSON.parse(text) as typeof c;
  } catch {
    return null;
  }
  if (typeof c?.ID !== 'string' || !ID_RE.test(c.ID) || typeof c.Name !== 'string') return null;
  const labels: Record<string, string> = {};
  const raw = c.Config?.Labels;
  if (raw && typeof raw === 'object')
    for (const [k, v] of Object.entries(raw)) if (typeof v === 'string') labels[k] = v;
  return { id: c.ID, name: c.Name.replace(/^\//, ''), labels };
}

/** The cgroup dirs runc recorded for a container (pids controller first); [] when not one. */
export function runcCgroupDirs(stateJson: string): string[] {
  let s: { cgroup_paths?: unknown };
  try {
    s = JSON.parse(stateJson) as typeof s;
  } catch {
    return [];
  }
  const paths = s?.cgroup_paths;
  if (!paths || typeof paths !== 'object') return [];
  const entries = Object.entries(paths as Record<string, unknown>);
  const ordered = [...entries.filter(([k]) => k === 'pids'), ...entries.filter(([k]) => k !== 'pids')];
  return ordered.map(([, v]) => v).filter((v): v is string => typeof v === 'string' && v.startsWith('/'));
}

const readText = (file: string) => readFile(file, 'utf8').catch(() => null);

/** The first cgroup of the container that can be read, and the processes in it. */
async function cgroupProcs(
  id: string,
  roots: LeftoverRoots,
): Promise<{ dir: string; pids: number[] } | null> {
  const dirs = cgroupCandidates(id).map((c) => c.dir);
  const state = await readText(join(roots.runcState, id, 'state.json'));
  if (state !== null) dirs.push(...runcCgroupDirs(state));
  for (const dir of dirs) {
    const text = await readText(join(dir, 'cgroup.procs'));
    if (text !== null) return { dir, pids: parseCgroupProcs(text) };
  }
  return null;
}

/** Shim pids by the container id they serve, among `ids` (one pass over /proc). */
async function shimsOf(ids: Set<string>, roots: LeftoverRoots): Promise<Map<string, number[]>> {
  const found = new Map<string, number[]>();
  const entries = await readdir(roots.proc).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const cmdline = await readFile(join(roots.proc, entry, 'cmdline')).catch(() => null);
    const id = cmdline ? shimContainerId(cmdline) : null;
    if (id !== null && ids.has(id)) found.set(id, [...(found.get(id) ?? []), Number(entry)]);
  }
  return found;
}

/** Ids, from the engine's store, of containers with one of `names` and our run id label. */
async function idsFromStore(names: Set<string>, runId: string, roots: LeftoverRoots) {
  const byName = new Map<string, string>();
  const entries = await readdir(roots.dockerStore).catch(() => [] as string[]);
  for (const entry of entries) {
    if (!ID_RE.test(entry)) continue;
    const text = await readText(join(roots.dockerStore, entry, 'config.v2.json'));
    const c = text === null ? null : parseDockerStoreConfig(text);
    if (c && c.id === entry && names.has(c.name) && c.labels[RUN_ID_LABEL] === runId)
      byName.set(c.name, c.id);
  }
  return byName;
}

/**
 * What is left on this host of `containers` (this run's, by name and id when known),
 * read from host state only: no engine call, nothing killed. A container with no
 * process left and no shim is not listed. Never throws.
 */
export async function findEngineLeftovers(
  containers: readonly { name: string; id: string | null }[],
  runId: string,
  roots: LeftoverRoots = HOST_ROOTS,
): Promise<EngineLeftover[]> {
  const noId = new Set(containers.filter((c) => c.id === null).map((c) => c.name));
  const stored = noId.size > 0 ? await idsFromStore(noId, runId, roots) : new Map<string, string>();
  const resolved = containers.map((c) => ({
    name: c.name,
    id: c.id !== null && ID_RE.test(c.id) ? c.id : (stored.get(c.name) ?? null),
  }));
  const shims = await shimsOf(new Set(resolved.flatMap((c) => (c.id ? [c.id] : []))), roots);
  const out: EngineLeftover[] = [];
  for (const { name, id } of resolved) {
    if (id === null) continue;
    const cg = await cgroupProcs(id, roots);
    const shimPids = shims.get(id) ?? [];
    if ((cg?.pids.length ?? 0) === 0 && shimPids.length === 0) continue;
    out.push({ name, id, pids: cg?.pids ?? [], cgroupDir: cg?.dir ?? null, shimPids });
  }
  return out;
}

/** For the run's `reason`: what is left, what Airlock will not do, and what a person does. */
export function describeEngineLeftovers(leftovers: readonly EngineLeftover[]): string {
  if (leftovers.length === 0) return 'no process of its container is left on this host';
  const each = leftovers.map((l) => {
    const procs = `${l.pids.length} process${l.pids.length === 1 ? '' : 'es'}${l.pids.length ? ` (pids ${l.pids.slice(0, 20).join(' ')})` : ''}`;
    const where = l.cgroupDir ? ` in cgroup ${l.cgroupDir}` : '';
    const shim = l.shimPids.length ? `, held by runtime shim pid ${l.shimPids.join(' ')}` : '';
    return `container ${l.name} (${(l.id ?? '').slice(0, 12)}) still has ${procs}${where}${shim}`;
  });
  const names = leftovers.map((l) => l.name).join(' ');
  return (
    `${each.join('; ')}. Airlock cannot remove these without the engine and does not kill host ` +
    `processes it cannot prove are its own: restart the engine (it re-adopts them), then ` +
    `\`docker rm -f ${names}\` (the next airlock run's orphan sweep also removes them); ` +
    'see docs/hardening.md, "When the engine itself dies"'
  );
}

/**
 * A run's result once its engine died (status `error` already): typed `engine-gone`,
 * and, when its container could not be removed (`container` not null), what is left of
 * it on the host, in `engineLeftovers` and the reason.
 */
export async function withEngineLeftovers(
  result: ExecutionResult,
  container: { name: string; id: string | null } | null,
  runId: string,
  roots: LeftoverRoots = HOST_ROOTS,
): Promise<ExecutionResult> {
  if (container === null) return { ...result, engineFailure: 'engine-gone' };
  const leftovers = await findEngineLeftovers([container], runId, roots);
  const note = `engine died: ${describeEngineLeftovers(leftovers)}`;
  return {
    ...result,
    engineFailure: 'engine-gone',
    engineLeftovers: leftovers,
    reason: result.reason ? `${result.reason}; ${note}` : note,
  };
}
