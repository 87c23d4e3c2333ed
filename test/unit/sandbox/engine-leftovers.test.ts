import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeEngineLeftovers,
  findEngineLeftovers,
  type LeftoverRoots,
  parseCgroupProcs,
  parseDockerStoreConfig,
  runcCgroupDirs,
  shimContainerId,
} from '../../../src/sandbox/engine-leftovers.js';

/**
 * The parsers of src/sandbox/engine-leftovers.ts against files captured on this build
 * machine (Docker 20.10, containerd 1.6, runc, cgroup v1) from a live container made
 * with `docker run -d --label org.airlock.run-id=fixture01 ... sleep 300`
 * (test/fixtures/engine-leftovers/): runc's state.json, Docker's config.v2.json, the
 * pids cgroup's cgroup.procs, the shim's and the keeper's /proc/PID/cmdline.
 */

const FIX = join(import.meta.dirname, '../../fixtures/engine-leftovers');
const ID = '2738deff9608d4e8cbab51ffd18df40efa2dd9d9eb3f958d0ec23e89abc200bf';
const fixture = (name: string) => readFile(join(FIX, name));
const text = async (name: string) => (await fixture(name)).toString('utf8');

describe('parsers, on files captured from a real container', () => {
  it('cgroup.procs: the keeper (docker-init) and its sleep', async () => {
    expect(parseCgroupProcs(await text('cgroup.procs'))).toEqual([30969, 30998]);
    expect(parseCgroupProcs('\n12\nx\n-3\n0\n')).toEqual([12]);
  });

  it('a shim argv names its container; the keeper and look-alikes do not', async () => {
    expect(shimContainerId(await fixture('shim-cmdline.bin'))).toBe(ID);
    expect(shimContainerId(await fixture('keeper-cmdline.bin'))).toBeNull();
    expect(shimContainerId(Buffer.from(`/bin/sleep\0-id\0${ID}\0`))).toBeNull();
    expect(shimContainerId(Buffer.from('/usr/bin/containerd-shim-runc-v2\0-id\0../../etc\0'))).toBeNull();
  });

  it("Docker's config.v2.json: name and labels (the run id)", async () => {
    const c = parseDockerStoreConfig(await text('docker-config.v2.json'));
    expect(c?.id).toBe(ID);
    expect(c?.name).toBe('airlock-leftovers-probe');
    expect(c?.labels['org.airlock.run-id']).toBe('fixture01');
    expect(parseDockerStoreConfig('{"ID":"x","Name":"/a"}')).toBeNull();
    expect(parseDockerStoreConfig('not json')).toBeNull();
  });

  it("runc's state.json: the container's cgroup dirs, pids controller first", async () => {
    const dirs = runcCgroupDirs(await text('runc-state.json'));
    expect(dirs[0]).toBe(`/sys/fs/cgroup/pids/docker/${ID}`);
    expect(dirs).toContain(`/sys/fs/cgroup/memory/docker/${ID}`);
    expect(runcCgroupDirs('{"cgroup_paths":{"pids":"relative"}}')).toEqual([]);
  });
});

describe('findEngineLeftovers over a host tree built from the fixtures', () => {
  let root: string | undefined;
  afterEach(async () => {
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** /proc with the shim, Docker's store with the container, runc's state pointing at our cgroup dir. */
  async function host(runIdLabel: string): Promise<LeftoverRoots> {
    root = await mkdtemp(join(tmpdir(), 'airlock-leftovers-'));
    const roots = {
      proc: join(root, 'proc'),
      dockerStore: join(root, 'containers'),
      runcState: join(root, 'runc'),
    };
    await mkdir(join(roots.proc, '30949'), { recursive: true });
    await writeFile(join(roots.proc, '30949', 'cmdline'), await fixture('shim-cmdline.bin'));
    await mkdir(join(roots.proc, '30969'), { recursive: true });
    await writeFile(join(roots.proc, '30969', 'cmdline'), await fixture('keeper-cmdline.bin'));
    await mkdir(join(roots.dockerStore, ID), { recursive: true });
    const config = (await text('docker-config.v2.json')).replace('fixture01', runIdLabel);
    await writeFile(join(roots.dockerStore, ID, 'config.v2.json'), config);
    // The real cgroup of the captured container is gone: runc's state names one here.
    const cg = join(root, 'cgroup', 'pids', 'docker', ID);
    await mkdir(cg, { recursive: true });
    await writeFile(join(cg, 'cgroup.procs'), await fixture('cgroup.procs'));
    const state = JSON.parse(await text('runc-state.json')) as { cgroup_paths: Record<string, string> };
    state.cgroup_paths = { pids: cg };
    await mkdir(join(roots.runcState, ID), { recursive: true });
    await writeFile(join(roots.runcState, ID, 'state.json'), JSON.stringify(state));
    return roots;
  }

  it('by id: the processes in its cgroup and its shim', async () => {
    const roots = await host('fixture01');
    const found = await findEngineLeftovers(
      [{ name: 'airlock-leftovers-probe', id: ID }],
      'other-run',
      roots,
    );
    expect(found).toEqual([
      {
        name: 'airlock-leftovers-probe',
        id: ID,
        pids: [30969, 30998],
        cgroupDir: join(root as string, 'cgroup', 'pids', 'docker', ID),
        shimPids: [30949],
      },
    ]);
  });

  it('without an id (the create answer was lost): by name and our run id label only', async () => {
    const ours = await host('fixture01');
    const found = await findEngineLeftovers(
      [{ name: 'airlock-leftovers-probe', id: null }],
      'fixture01',
      ours,
    );
    expect(found.map((l) => [l.id, l.pids])).toEqual([[ID, [30969, 30998]]]);
    await rm(root as string, { recursive: true });
    // The same name under another run's label is not ours.
    const theirs = await host('someone-else');
    expect(
      await findEngineLeftovers([{ name: 'airlock-leftovers-probe', id: null }], 'fixture01', theirs),
    ).toEqual([]);
  });

  it('an id with no cgroup and no shim on the host: nothing', async () => {
    const roots = await host('fixture01');
    const other = 'f'.repeat(64);
    expect(await findEngineLeftovers([{ name: 'airlock-gone', id: other }], 'fixture01', roots)).toEqual([]);
  });
});

describe('describeEngineLeftovers', () => {
  it('names the container, its processes, the shim, what Airlock will not do and the fix', () => {
    const msg = describeEngineLeftovers([
      {
        name: 'airlock-ab-1',
        id: ID,
        pids: [11, 12],
        cgroupDir: `/sys/fs/cgroup/memory/docker/${ID}`,
        shimPids: [10],
      },
    ]);
    expect(msg).toContain(
      `container airlock-ab-1 (2738deff9608) still has 2 processes (pids 11 12) in cgroup /sys/fs/cgroup/memory/docker/${ID}, held by runtime shim pid 10`,
    );
    expect(msg).toContain('does not kill host processes it cannot prove are its own');
    expect(msg).toContain('`docker rm -f airlock-ab-1`');
    expect(msg).toContain('docs/hardening.md');
    expect(describeEngineLeftovers([])).toBe('no process of its container is left on this host');
  });
});
