import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { CappedBuffer } from '../../../src/exec/run-command.js';
import { type ContainerSpec, containerSpecFor, RUN_ID_LABEL } from '../../../src/sandbox/container-spec.js';
import { newContainerIds } from '../../../src/sandbox/containers.js';
import { DockerEngine } from '../../../src/sandbox/docker-engine.js';
import { localEngineSocket } from '../../../src/sandbox/engine-api.js';
import { findEngineLeftovers, withEngineLeftovers } from '../../../src/sandbox/engine-leftovers.js';
import { notStartedResult } from '../../../src/sandbox/run-hardened.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * The leftovers detector (issue 21 item 8) against a REAL container on the shared
 * engine. The engine is not killed here (it is shared): what a dead engine leaves is a
 * container whose shim, keeper and script live on, which is exactly what a live
 * container looks like on the host, so the detector reads the same files either way
 * (it never asks the engine). The container is made as Airlock makes it (its spec, its
 * labels), a script process is left running in it, and the detector must find them by
 * id, and by name + run id label when the id is unknown.
 */

const LABEL = 'org.airlock.it-engine-leftovers';
const engine = new DockerEngine(localEngineSocket() ?? '/var/run/docker.sock');
let spec: ContainerSpec;
let id: string;
let keeperPid: number;

const cgroupOf = (pid: number) => readFileSync(`/proc/${pid}/cgroup`, 'utf8');

beforeAll(async () => {
  const image = await ensureTestImage();
  spec = containerSpecFor(specFor(image, LABEL, 'print(1)\n'), newContainerIds('leftovers'), 60);
  id = await engine.create(spec);
  await engine.start(id);
  // A "script" that outlives its exec, as a script does when the engine dies under it.
  const out = new CappedBuffer(4096);
  const r = await engine.exec(
    spec.name,
    {
      user: { uid: 10001, gid: 10001 },
      workdir: '/work',
      cmd: ['sh', '-c', 'sleep 617 >/dev/null 2>&1 & echo started'],
    },
    { stdout: (c) => out.push(c), stderr: () => undefined },
  );
  expect([r.exitCode, out.toString().trim()]).toEqual([0, 'started']);
  const state = await tryRunCommand('docker', ['inspect', '--format', '{{.State.Pid}}', spec.name]);
  keeperPid = Number(state.stdout.trim());
  expect(keeperPid).toBeGreaterThan(0);
}, 120_000);

afterAll(async () => {
  await engine.remove(spec.name);
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

describe('findEngineLeftovers on a live container of the real engine', () => {
  it('by id: every process in its cgroup (keeper and the script left running) and its shim', async () => {
    const [l, ...rest] = await findEngineLeftovers(
      [{ name: spec.name, id }],
      spec.labels[RUN_ID_LABEL] ?? '',
    );
    expect(rest).toEqual([]);
    expect(l?.id).toBe(id);
    expect(l?.cgroupDir).toContain(id);
    // docker-init (the keeper's pid 1 on the host), the keeper's sleep, the script's sleep.
    expect(l?.pids).toContain(keeperPid);
    expect(l?.pids.length).toBeGreaterThanOrEqual(3);
    for (const pid of l?.pids ?? []) expect(cgroupOf(pid)).toContain(id);
    const args = (l?.pids ?? []).map((p) => readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0').join(' '));
    expect(args.some((a) => a.startsWith('sleep 617'))).toBe(true);
    expect(l?.shimPids.length).toBe(1);
    const shim = readFileSync(`/proc/${l?.shimPids[0]}/cmdline`, 'utf8').split('\0');
    expect(shim[0]).toMatch(/containerd-shim/);
    expect(shim).toContain(id);
  });

  it('without its id: found by name and our run id label in the engine store (root here)', async () => {
    const found = await findEngineLeftovers([{ name: spec.name, id: null }], spec.labels[RUN_ID_LABEL] ?? '');
    expect(found.map((l) => l.id)).toEqual([id]);
    // The same name under another run id is not ours: nothing.
    expect(await findEngineLeftovers([{ name: spec.name, id: null }], 'not-this-run')).toEqual([]);
  });

  it('an id no container has: nothing', async () => {
    const none = await findEngineLeftovers([{ name: 'airlock-none', id: 'e'.repeat(64) }], 'x');
    expect(none).toEqual([]);
  });

  it("the run's result names them: typed leftovers and a reason a person can act on", async () => {
    const run = specFor('img', LABEL, 'print(1)\n');
    const base = {
      ...notStartedResult(run, 'the Docker engine stopped answering while the script ran'),
      status: 'error' as const,
    };
    const r = await withEngineLeftovers(base, { name: spec.name, id }, spec.labels[RUN_ID_LABEL] ?? '');
    expect(r.engineFailure).toBe('engine-gone');
    expect(r.engineLeftovers?.[0]?.pids).toContain(keeperPid);
    expect(r.reason).toContain(`engine died: container ${spec.name} (${id.slice(0, 12)}) still has`);
    expect(r.reason).toContain(String(keeperPid));
    expect(r.reason).toContain(`docker rm -f ${spec.name}`);
  });

  it('once the container is removed, nothing of it is found', async () => {
    expect(await engine.remove(spec.name)).toBe(true);
    expect(await findEngineLeftovers([{ name: spec.name, id }], spec.labels[RUN_ID_LABEL] ?? '')).toEqual([]);
  });
});
