import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seccompSecurityOpt } from '../../../src/sandbox/seccomp-profile.js';
import { loadPolicy } from '../../../src/policy/index.js';
import {
  assertHardeningFloor,
  type ContainerSpec,
  containerSpecFor,
  keeperUserOf,
  memoryRule,
  parseSandboxUser,
  profileMemoryProblem,
} from '../../../src/sandbox/container-spec.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../../src/sandbox/profiles.js';
import { fixedIds as ids, hardenedSpec as run } from '../../helpers/hardened-spec.js';

const MIB = 1024 * 1024;
const invalid = (code = 'INPUT_INVALID') => expect.objectContaining({ code });

describe('containerSpecFor: the one typed statement of a sandbox container', () => {
  const spec = containerSpecFor(run(), ids);
  const l = DEFAULT_PROFILES.standard;

  it('carries every limit in bytes and counts, swap off', () => {
    expect(spec.limits).toEqual({
      memoryBytes: l.memoryMb * MIB,
      memorySwapBytes: l.memoryMb * MIB,
      nanoCpus: l.cpus * 1e9,
      pids: l.pids,
      shmBytes: l.tmpfsMb * MIB,
      ulimits: [
        { name: 'nofile', soft: l.nofile, hard: l.nofile },
        { name: 'fsize', soft: l.fsizeMb * MIB, hard: l.fsizeMb * MIB },
        { name: 'core', soft: 0, hard: 0 },
      ],
    });
    expect(containerSpecFor(run({ limits: { ...l, cpus: 0.5 } }), ids).limits.nanoCpus).toBe(500_000_000);
  });

  it("under runsc: the profile's pids bound the guest's tasks (nproc), the host limit adds gVisor's own threads", () => {
    // The host pids cgroup of a runsc container holds the Sentry, the Gofer and ptrace
    // stubs, not the script's processes (src/sandbox/runsc-pids.ts): the profile's 64 as
    // the host limit starved gVisor itself.
    const gv = containerSpecFor(
      run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, runtime: 'runsc' }, limits: { ...l, pids: 64 } }),
      ids,
    );
    expect(gv.limits.pids).toBe(256 + 8 * 64);
    expect(gv.limits.ulimits).toContainEqual({ name: 'nproc', soft: 64, hard: 64 });
    // Under runc nproc would count every process of the host uid: the cgroup is the bound.
    expect(spec.limits.ulimits.some((u) => u.name === 'nproc')).toBe(false);
  });

  it("has the floor: read-only root, every capability dropped, no-new-privileges, Airlock's seccomp profile, no network, private IPC", () => {
    expect(spec).toMatchObject({
      readonlyRootfs: true,
      capDrop: ['ALL'],
      securityOpt: ['no-new-privileges', seccompSecurityOpt()],
      network: 'none',
      ipc: 'private',
      init: true,
      logDriver: 'none',
      runtime: 'runc',
      hostname: 'sandbox',
    });
  });

  it('sizes the scratch and output tmpfs in bytes', () => {
    expect(spec.tmpfs).toEqual([
      { target: '/tmp', sizeBytes: l.tmpfsMb * MIB },
      { target: '/var/tmp', sizeBytes: l.tmpfsMb * MIB },
      { target: '/run', sizeBytes: l.tmpfsMb * MIB },
      { target: '/out', sizeBytes: l.outputMb * MIB },
    ]);
  });

  it("mounts the script's directory read-only at /work and extra mounts read-only; any host path", () => {
    expect(spec.mounts).toEqual([{ source: '/ws/scripts', target: '/work', readOnly: true }]);
    expect(spec.workdir).toBe('/work');
    // Structured mounts take a comma or quote as they are (issue 21, item 14).
    const odd = containerSpecFor(
      run({ workDir: '/ws/a,readonly=false', readOnlyMounts: [{ host: '/ws/"r', container: '/rules' }] }),
      ids,
    );
    expect(odd.mounts).toEqual([
      { source: '/ws/a,readonly=false', target: '/work', readOnly: true },
      { source: '/ws/"r', target: '/rules', readOnly: true },
    ]);
    for (const workDir of ['relative/dir', '/ws/a\0b']) {
      expect(() => containerSpecFor(run({ workDir }), ids)).toThrow(invalid('PATH_INVALID'));
    }
    for (const container of ['/out', '/work/x', '/', '/etc', '/tmp/x', 'rel', '/a/../out', '/a,b']) {
      expect(() => containerSpecFor(run({ readOnlyMounts: [{ host: '/ws/r', container }] }), ids)).toThrow(
        invalid('PATH_INVALID'),
      );
    }
  });

  it('passes only our environment and the run, never process.env', () => {
    process.env.AIRLOCK_UNIT_FAKE_SECRET = 'ghp_should_never_leak';
    const s = containerSpecFor(run({ env: { SEED: '7' } }), ids);
    expect(s.env.map(([k]) => k)).toEqual([
      'AIRLOCK_OUTPUT_DIR',
      'HOME',
      'TMPDIR',
      'MPLBACKEND',
      'MPLCONFIGDIR',
      'XDG_CACHE_HOME',
      'XDG_CONFIG_HOME',
      'PYTHONDONTWRITEBYTECODE',
      'PYTHONUNBUFFERED',
      'LANG',
      'SEED',
    ]);
    expect(JSON.stringify(s)).not.toContain('ghp_should_never_leak');
    const badEnv: Record<string, string>[] = [
      { AIRLOCK_OUTPUT_DIR: '/tmp' },
      { HOME: '/' },
      { 'A=B': 'x' },
      { 'X Y': '1' },
    ];
    for (const env of badEnv) {
      expect(() => containerSpecFor(run({ env }), ids)).toThrow(invalid());
    }
  });

  it('labels the container with our label and its owner', () => {
    expect(spec.labels).toEqual({
      'org.airlock.sandbox': '1',
      'org.airlock.owner-pid': '4242',
      'org.airlock.owner-start': '987654',
      'org.airlock.owner-host': 'runner-1',
      'org.airlock.run-id': 'abcd1234',
    });
  });

  it('runs a bounded keeper as another non-root user, extended by exactly the idle allowance', () => {
    expect(spec.keeperUser).toEqual({ uid: 65534, gid: 65534 });
    expect(spec.user).toEqual({ uid: 10001, gid: 10001 });
    expect(spec.entrypoint).toEqual(['sleep']);
    expect(spec.cmd).toEqual([String(l.timeoutSeconds + 120)]);
    expect(containerSpecFor(run(), ids, 300).cmd).toEqual([String(l.timeoutSeconds + 120 + 300)]);
    for (const bad of [-1, 1.5, Number.NaN])
      expect(() => containerSpecFor(run(), ids, bad)).toThrow(invalid());
  });

  it('rejects invalid limits, names, labels, runtimes and image refs', () => {
    const bad = [
      run({ limits: { ...l, pids: 0 } }),
      run({ limits: { ...l, cpus: Number.NaN } }),
      run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, image: '--privileged' } }),
      run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, label: 'x=y' } }),
      run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, runtime: 'kata' as 'runc' } }),
    ];
    for (const r of bad) expect(() => containerSpecFor(r, ids)).toThrow(invalid());
    expect(() => containerSpecFor(run(), { ...ids, name: '--privileged' })).toThrow(invalid());
  });
});

describe('sandbox user: uid and gid both explicit, non-zero, in range', () => {
  it.each([
    '0',
    '0:0',
    '10001:0',
    '0:10001',
    'root',
    'sandbox',
    '-1',
    '',
    '12345',
    '2147483648:10001',
    '10001:4294967295',
  ])('refuses %j', (user) => {
    expect(() => parseSandboxUser(user)).toThrow(invalid());
    expect(() => containerSpecFor(run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, user } }), ids)).toThrow(
      invalid(),
    );
  });

  it('parses to numbers (never the raw text) and picks a keeper different from the user', () => {
    expect(parseSandboxUser('0010001:010001')).toEqual({ uid: 10001, gid: 10001 });
    expect(parseSandboxUser('2147483647:2147483647')).toEqual({ uid: 2 ** 31 - 1, gid: 2 ** 31 - 1 });
    expect(keeperUserOf({ uid: 10001, gid: 10001 })).toEqual({ uid: 65534, gid: 65534 });
    expect(keeperUserOf({ uid: 65534, gid: 65534 })).toEqual({ uid: 65533, gid: 65533 });
  });
});

describe('assertHardeningFloor: what no spec may lack, whoever built it', () => {
  const good = () => structuredClone(containerSpecFor(run(), ids));
  const cases: [string, (s: ContainerSpec) => void][] = [
    ['a writable root', (s) => (s.readonlyRootfs = false)],
    ['capabilities kept', (s) => (s.capDrop = [])],
    ['a capability list other than ALL', (s) => (s.capDrop = ['NET_RAW'])],
    ['no no-new-privileges', (s) => (s.securityOpt = [])],
    ['seccomp unconfined', (s) => s.securityOpt.push('seccomp=unconfined')],
    ["the engine's default seccomp profile", (s) => (s.securityOpt = ['no-new-privileges'])],
    ['a network', (s) => (s.network = 'bridge')],
    ['a shared IPC namespace', (s) => (s.ipc = 'host' as 'private')],
    ['uid 0', (s) => (s.user = { uid: 0, gid: 10001 })],
    ['gid 0', (s) => (s.user = { uid: 10001, gid: 0 })],
    ['a gid past 2^31-1', (s) => (s.user = { uid: 10001, gid: 2 ** 31 })],
    ['a root keeper', (s) => (s.keeperUser = { uid: 65534, gid: 0 })],
    ['no memory limit', (s) => (s.limits.memoryBytes = 0)],
    ['swap', (s) => (s.limits.memorySwapBytes = -1)],
    ['no pids limit', (s) => (s.limits.pids = 0)],
    ['no cpu limit', (s) => (s.limits.nanoCpus = Number.NaN)],
    ['no fsize ulimit', (s) => (s.limits.ulimits = s.limits.ulimits.filter((u) => u.name !== 'fsize'))],
    [
      'runsc without an nproc ulimit (the bound on the guest tasks)',
      (s) => {
        s.runtime = 'runsc';
        s.limits.ulimits = s.limits.ulimits.filter((u) => u.name !== 'nproc');
      },
    ],
    [
      'runsc with nproc 0',
      (s) => {
        s.runtime = 'runsc';
        s.limits.ulimits.push({ name: 'nproc', soft: 0, hard: 0 });
      },
    ],
    ['an unbounded tmpfs', (s) => ((s.tmpfs[0] as { sizeBytes: number }).sizeBytes = 0)],
    ['a writable bind mount', (s) => ((s.mounts[0] as { readOnly: boolean }).readOnly = false)],
    ['an unknown runtime', (s) => (s.runtime = 'kata' as 'runc')],
    ["the host's user namespace", (s) => (s.usernsMode = 'host')],
    [
      'tmpfs mounts that can hold the whole memory limit',
      (s) => {
        s.limits.memoryBytes = 640 * MIB;
        s.limits.memorySwapBytes = 640 * MIB;
      },
    ],
  ];
  it('passes the spec containerSpecFor makes', () => {
    expect(() => assertHardeningFloor(good())).not.toThrow();
  });
  it.each(cases)('refuses %s', (_name, breakIt) => {
    const s = good();
    breakIt(s);
    expect(() => assertHardeningFloor(s)).toThrow(invalid());
  });
});

describe('the memory rule: 3 x tmpfs + shm + output < memory', () => {
  it.each([
    // memoryMb, tmpfsMb, outputMb, holds
    [1024, 128, 128, true], // standard: 640 < 1024
    [512, 32, 32, true], // restricted: 160 < 512
    [640, 128, 128, false], // equal is not below
    [641, 128, 128, true],
    [96, 128, 128, false],
    [64, 8, 31, true], // 63 < 64
    [64, 8, 32, false],
  ])('memory %i MiB, tmpfs %i MiB, output %i MiB: holds = %s', (memoryMb, tmpfsMb, outputMb, holds) => {
    expect(profileMemoryProblem({ memoryMb, tmpfsMb, outputMb }) === null).toBe(holds);
    const r = run({ limits: { ...DEFAULT_PROFILES.standard, memoryMb, tmpfsMb, outputMb } });
    if (holds) expect(() => containerSpecFor(r, ids)).not.toThrow();
    else expect(() => containerSpecFor(r, ids)).toThrow(invalid());
  });

  it('adds every tmpfs and shm', () => {
    const tmpfs = [
      { target: '/a', sizeBytes: 10 },
      { target: '/b', sizeBytes: 20 },
    ];
    expect(memoryRule(100, tmpfs, 5)).toEqual({ tmpfsBytes: 35, memoryBytes: 100, ok: true });
    expect(memoryRule(35, tmpfs, 5).ok).toBe(false);
  });

  it('the policy loader refuses a profile that breaks it, naming the profile and the numbers', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'airlock-memrule-'));
    try {
      const file = join(dir, 'p.yml');
      await writeFile(
        file,
        'version: 1\nprofiles:\n  tiny:\n    memoryMb: 96\n    tmpfsMb: 16\n    outputMb: 40\n',
      );
      const err = await loadPolicy(file).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'POLICY_INVALID' });
      const msg = (err as Error).message;
      expect(msg).toContain('profiles.tiny');
      expect(msg).toContain('memoryMb (96)');
      expect(msg).toContain('= 104 MiB');
      await writeFile(
        file,
        'version: 1\nprofiles:\n  tiny:\n    memoryMb: 105\n    tmpfsMb: 16\n    outputMb: 40\n',
      );
      expect((await loadPolicy(file)).profiles.tiny?.memoryMb).toBe(105);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
