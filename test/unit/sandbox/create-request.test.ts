import { describe, expect, it } from 'vitest';
import { createRequestFromRunArgs } from '../../../src/sandbox/create-request.js';
import { buildDockerRunArgs } from '../../../src/sandbox/docker-args.js';
import { DEFAULT_PROFILES } from '../../../src/sandbox/profiles.js';
import { fixedIds as ids, hardenedSpec } from '../../helpers/hardened-spec.js';

const spec = hardenedSpec({
  limits: { ...DEFAULT_PROFILES.restricted },
  profile: 'restricted',
  readOnlyMounts: [{ host: '/ws/rules', container: '/rules' }],
});

describe('createRequestFromRunArgs', () => {
  const { name, body } = createRequestFromRunArgs(buildDockerRunArgs(spec, ids, 30));
  const l = DEFAULT_PROFILES.restricted;

  it('carries every hardening flag of the argv into the API body', () => {
    expect(name).toBe(ids.name);
    const h = body.HostConfig;
    expect(h.Runtime).toBe('runc');
    expect(h.Init).toBe(true);
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.SecurityOpt).toEqual(['no-new-privileges']);
    expect(h.NetworkMode).toBe('none');
    expect(h.IpcMode).toBe('private');
    expect(h.LogConfig).toEqual({ Type: 'none', Config: {} });
    expect(h.PidsLimit).toBe(l.pids);
    expect(h.Memory).toBe(l.memoryMb * 1024 * 1024);
    expect(h.MemorySwap).toBe(l.memoryMb * 1024 * 1024);
    expect(h.NanoCpus).toBe(l.cpus * 1e9);
    expect(h.ShmSize).toBe(l.tmpfsMb * 1024 * 1024);
    expect(h.Ulimits).toEqual([
      { Name: 'nofile', Soft: l.nofile, Hard: l.nofile },
      { Name: 'fsize', Soft: l.fsizeMb * 1024 * 1024, Hard: l.fsizeMb * 1024 * 1024 },
      { Name: 'core', Soft: 0, Hard: 0 },
    ]);
    expect(Object.keys(h.Tmpfs as object).sort()).toEqual(['/out', '/run', '/tmp', '/var/tmp']);
    expect((h.Tmpfs as Record<string, string>)['/out']).toBe(
      `rw,noexec,nosuid,nodev,size=${l.outputMb}m,mode=1777`,
    );
    expect(h.Mounts).toEqual([
      { Type: 'bind', Source: '/ws/scripts', Target: '/work', ReadOnly: true },
      { Type: 'bind', Source: '/ws/rules', Target: '/rules', ReadOnly: true },
    ]);
  });

  it('keeps the container config: keeper, user, workdir, environment, labels', () => {
    expect(body.Image).toBe('airlock-sandbox:local');
    expect(body.Entrypoint).toEqual(['sleep']);
    expect(body.Cmd).toEqual([String(l.timeoutSeconds + 120 + 30)]);
    expect(body.User).toBe('65534:65534');
    expect(body.WorkingDir).toBe('/work');
    expect(body.Hostname).toBe('sandbox');
    expect(body.Env).toContain('HOME=/tmp');
    expect(body.Env).toContain('AIRLOCK_OUTPUT_DIR=/out');
    expect(body.Labels['org.airlock.owner-pid']).toBe('4242');
    expect(body.OpenStdin).toBe(false);
    expect(body.Tty).toBe(false);
  });

  it('refuses a flag it does not translate instead of dropping it', () => {
    const args = buildDockerRunArgs(spec, ids);
    const withExtra = [...args.slice(0, 2), '--privileged', ...args.slice(2)];
    expect(() => createRequestFromRunArgs(withExtra)).toThrow(/--privileged/);
    const otherMount = args.map((a) =>
      a.startsWith('type=bind,source=/ws/scripts') ? 'type=volume,target=/x' : a,
    );
    expect(() => createRequestFromRunArgs(otherMount)).toThrow(/--mount/);
    expect(() => createRequestFromRunArgs(args.filter((a) => a !== '--detach'))).toThrow(/detached/);
  });
});
