import { describe, expect, it } from 'vitest';
import { containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { DEFAULT_PROFILES } from '../../../src/sandbox/profiles.js';
import { renderCreateRequest } from '../../../src/sandbox/render-create-request.js';
import { type EngineFacts, limitsProblem } from '../../../src/sandbox/engine-limits-check.js';
import {
  engineSpec,
  PODMAN_ROOTFUL_SOCKET,
  parseEngine,
  podmanSocket,
} from '../../../src/sandbox/engine-select.js';

const ROOTFUL_PODMAN_V1: EngineFacts = {
  seccompProfilePath: '/usr/share/containers/seccomp.json',
  kind: 'podman',
  rootless: false,
  cgroupVersion: '1',
  cgroupControllers: ['cpuset', 'cpu', 'cpuacct', 'blkio', 'memory', 'devices', 'freezer', 'pids'],
  memoryLimit: true,
  pidsLimit: true,
  defaultRuntime: 'runc',
  runtimeArgs: {},
};
const DOCKER_V1: EngineFacts = {
  seccompProfilePath: null,
  kind: 'docker',
  rootless: false,
  cgroupVersion: '1',
  cgroupControllers: null,
  memoryLimit: true,
  pidsLimit: true,
  defaultRuntime: 'runc',
  runtimeArgs: {},
};

describe('limitsProblem: which engines may run untrusted code', () => {
  it.each<[string, EngineFacts, 'runc' | 'runsc', string | null]>([
    ['rootful Podman, cgroup v1, runc', ROOTFUL_PODMAN_V1, 'runc', null],
    // What this host's rootless service reports: /libpod/info rootless, v1, no controllers.
    [
      'rootless Podman, cgroup v1',
      { ...ROOTFUL_PODMAN_V1, rootless: true, cgroupControllers: [] },
      'runc',
      'ENGINE_LIMITS_UNENFORCED',
    ],
    // GitHub's ubuntu-24.04 runners: v2 with systemd delegating memory and pids.
    [
      'rootless Podman, cgroup v2 with memory and pids delegated',
      {
        ...ROOTFUL_PODMAN_V1,
        rootless: true,
        cgroupVersion: '2',
        cgroupControllers: ['cpu', 'memory', 'pids'],
      },
      'runc',
      null,
    ],
    [
      'rootless Podman, cgroup v2 without the pids controller',
      { ...ROOTFUL_PODMAN_V1, rootless: true, cgroupVersion: '2', cgroupControllers: ['cpu', 'memory'] },
      'runc',
      'ENGINE_LIMITS_UNENFORCED',
    ],
    [
      'Podman whose service runs crun, runc asked',
      { ...ROOTFUL_PODMAN_V1, defaultRuntime: 'crun' },
      'runc',
      'ENGINE_RUNTIME_UNSUPPORTED',
    ],
    [
      'Podman, runsc asked (its compat API ignores it)',
      ROOTFUL_PODMAN_V1,
      'runsc',
      'ENGINE_RUNTIME_UNSUPPORTED',
    ],
    ['Docker, cgroup v1', DOCKER_V1, 'runc', null],
    ['Docker, runsc (Docker honours the runtime)', DOCKER_V1, 'runsc', null],
    ['rootless Docker, cgroup v1', { ...DOCKER_V1, rootless: true }, 'runc', 'ENGINE_LIMITS_UNENFORCED'],
    [
      'Docker without memory limit support',
      { ...DOCKER_V1, memoryLimit: false },
      'runc',
      'ENGINE_LIMITS_UNENFORCED',
    ],
    [
      'Docker without pids limit support',
      { ...DOCKER_V1, pidsLimit: false },
      'runc',
      'ENGINE_LIMITS_UNENFORCED',
    ],
  ])('%s', (_name, facts, runtime, code) => {
    expect(limitsProblem(facts, runtime)?.code ?? null).toBe(code);
  });
});

describe('engine choice', () => {
  it('parses docker, podman, auto/empty; refuses anything else naming where', () => {
    expect(parseEngine('docker', '--engine')).toBe('docker');
    expect(parseEngine('podman', '--engine')).toBe('podman');
    expect(parseEngine('auto', '--engine')).toBeUndefined();
    expect(parseEngine('', 'input engine')).toBeUndefined();
    expect(() => parseEngine('Podman', 'input engine')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID', message: expect.stringContaining('input engine') }),
    );
  });

  it("Podman's socket: CONTAINER_HOST when a local unix:// path, else the rootful default", () => {
    expect(podmanSocket({})).toBe(PODMAN_ROOTFUL_SOCKET);
    expect(podmanSocket({ CONTAINER_HOST: 'unix:///run/user/1001/podman/podman.sock' })).toBe(
      '/run/user/1001/podman/podman.sock',
    );
    for (const bad of ['tcp://10.0.0.1:8080', 'ssh://u@h/run/podman.sock', 'unix://relative.sock']) {
      expect(() => podmanSocket({ CONTAINER_HOST: bad })).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID' }),
      );
    }
  });

  it('Podman containers get a user namespace of their own, an explicit nproc and the profile as a file; Docker specs are unchanged', () => {
    const spec = containerSpecFor(
      {
        sandbox: {
          image: 'img',
          runtime: 'runc',
          user: '10001:10001',
          parallelism: 1,
          label: 'org.airlock.t',
        },
        limits: DEFAULT_PROFILES.restricted,
        profile: 'restricted',
        workDir: '/tmp',
        command: ['python3', 'x.py'],
      },
      { name: 'x', runId: 'r', ownerPid: 1, ownerStart: '1', ownerHost: 'h' },
    );
    expect(engineSpec(spec, 'docker')).toBe(spec);
    const podman = renderCreateRequest(engineSpec(spec, 'podman', '/tmp/p.json'));
    // A sized range, never bare `auto`: Podman 4.3.1 sizes a bare `auto` range from the
    // image under its layer lock and can deadlock the service (engine-select.ts).
    expect(podman.body.HostConfig.UsernsMode).toBe('auto:size=65536');
    expect(podman.body.HostConfig.Ulimits).toContainEqual({ Name: 'nproc', Soft: 4096, Hard: 4096 });
    // Docker takes Airlock's profile inline; Podman the same profile from a file.
    expect(renderCreateRequest(spec).body.HostConfig.SecurityOpt).toEqual([
      'no-new-privileges',
      expect.stringMatching(/^seccomp=\{"defaultAction":"SCMP_ACT_ERRNO"/),
    ]);
    expect(podman.body.HostConfig.SecurityOpt).toEqual(['no-new-privileges', 'seccomp=/tmp/p.json']);
    // Fail closed: no Podman container without the seccomp profile set up.
    expect(() => engineSpec(spec, 'podman', null)).toThrow(/seccomp/);
  });
});
