import { describe, expect, it } from 'vitest';
import {
  buildDockerRunArgs,
  buildExecArgs,
  COPY_OUT_LAUNCHER,
  copyOutExec,
  keeperUser,
  parseSandboxUser,
  scriptExec,
} from '../../../src/sandbox/docker-args.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../../src/sandbox/profiles.js';
import { fixedIds as ids, hardenedSpec as spec } from '../../helpers/hardened-spec.js';

/** Values following each occurrence of `flag`. */
function values(args: string[], flag: string): string[] {
  return args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));
}

describe('buildDockerRunArgs', () => {
  const args = buildDockerRunArgs(spec(), ids);
  const l = DEFAULT_PROFILES.standard;

  it('creates a detached container with a unique name and an init process', () => {
    expect(args[0]).toBe('run');
    expect(args).toContain('--detach');
    expect(values(args, '--name')).toEqual([ids.name]);
    expect(args).toContain('--init');
  });

  it('drops every capability and adds none back', () => {
    expect(args).toContain('--cap-drop=ALL');
    expect(args.some((a) => a.startsWith('--cap-add'))).toBe(false);
    expect(args).not.toContain('--privileged');
  });

  it('sets read-only root, no-new-privileges, no network, private IPC and the default seccomp', () => {
    expect(args).toContain('--read-only');
    expect(values(args, '--security-opt')).toEqual(['no-new-privileges']);
    expect(values(args, '--network')).toEqual(['none']);
    expect(values(args, '--ipc')).toEqual(['private']);
    expect(args.join(' ')).not.toMatch(/unconfined/);
  });

  it('limits pids, memory without swap, cpus, open files, file size and core dumps', () => {
    expect(values(args, '--pids-limit')).toEqual([String(l.pids)]);
    expect(values(args, '--memory')).toEqual([`${l.memoryMb}m`]);
    expect(values(args, '--memory-swap')).toEqual([`${l.memoryMb}m`]);
    expect(values(args, '--cpus')).toEqual([String(l.cpus)]);
    const fsize = l.fsizeMb * 1024 * 1024;
    expect(values(args, '--ulimit')).toEqual([
      `nofile=${l.nofile}:${l.nofile}`,
      `fsize=${fsize}:${fsize}`,
      'core=0:0',
    ]);
    expect(values(args, '--shm-size')).toEqual([`${l.tmpfsMb}m`]);
  });

  it('mounts size-bounded noexec,nosuid,nodev tmpfs for scratch and the output dir', () => {
    const t = values(args, '--tmpfs');
    expect(t).toEqual([
      `/tmp:rw,noexec,nosuid,nodev,size=${l.tmpfsMb}m,mode=1777`,
      `/var/tmp:rw,noexec,nosuid,nodev,size=${l.tmpfsMb}m,mode=1777`,
      `/run:rw,noexec,nosuid,nodev,size=${l.tmpfsMb}m,mode=1777`,
      `/out:rw,noexec,nosuid,nodev,size=${l.outputMb}m,mode=1777`,
    ]);
  });

  it("mounts the script's directory read-only as /work, the working directory", () => {
    expect(values(args, '--mount')).toEqual(['type=bind,source=/ws/scripts,target=/work,readonly']);
    expect(values(args, '--workdir')).toEqual(['/work']);
    expect(args).not.toContain('-v');
    expect(args).not.toContain('--volume');
  });

  it('adds extra mounts read-only and refuses ones over reserved paths', () => {
    const a = buildDockerRunArgs(spec({ readOnlyMounts: [{ host: '/ws/rules', container: '/rules' }] }), ids);
    expect(values(a, '--mount')).toContain('type=bind,source=/ws/rules,target=/rules,readonly');
    for (const container of ['/out', '/work/x', '/', '/etc', '/tmp/x', 'rel', '/a/../out']) {
      expect(() => buildDockerRunArgs(spec({ readOnlyMounts: [{ host: '/ws/r', container }] }), ids)).toThrow(
        expect.objectContaining({ code: 'PATH_INVALID' }),
      );
    }
  });

  it('refuses host paths that would inject --mount options', () => {
    for (const workDir of ['/ws/a,readonly=false', '/ws/"x', 'relative/dir', '/ws/a\nb']) {
      expect(() => buildDockerRunArgs(spec({ workDir }), ids)).toThrow(
        expect.objectContaining({ code: 'PATH_INVALID' }),
      );
    }
  });

  it('passes a clean environment: only ours and the spec, never process.env', () => {
    process.env.AIRLOCK_UNIT_FAKE_SECRET = 'ghp_should_never_leak';
    const a = buildDockerRunArgs(spec({ env: { SEED: '7' } }), ids);
    const env = values(a, '--env');
    expect(env).toEqual([
      'AIRLOCK_OUTPUT_DIR=/out',
      'HOME=/tmp',
      'TMPDIR=/tmp',
      'MPLBACKEND=Agg',
      'MPLCONFIGDIR=/tmp/.matplotlib',
      'XDG_CACHE_HOME=/tmp/.cache',
      'XDG_CONFIG_HOME=/tmp/.config',
      'PYTHONDONTWRITEBYTECODE=1',
      'PYTHONUNBUFFERED=1',
      'LANG=C.UTF-8',
      'SEED=7',
    ]);
    expect(a.join('\n')).not.toContain('ghp_should_never_leak');
    // `-e NAME` without a value would copy it from the docker client's environment.
    expect(env.every((e) => e.includes('='))).toBe(true);
    expect(a).not.toContain('--env-file');
  });

  it('refuses env that would move the output dir or is not a plain name', () => {
    const bad: Record<string, string>[] = [
      { AIRLOCK_OUTPUT_DIR: '/tmp' },
      { HOME: '/' },
      { 'A=B': 'x' },
      { 'X Y': '1' },
    ];
    for (const env of bad) {
      expect(() => buildDockerRunArgs(spec({ env }), ids)).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID' }),
      );
    }
  });

  it('labels the container with our label and its owner (pid, start, host, run id)', () => {
    expect(values(args, '--label')).toEqual([
      'org.airlock.sandbox=1',
      'org.airlock.owner-pid=4242',
      'org.airlock.owner-start=987654',
      'org.airlock.owner-host=runner-1',
      'org.airlock.run-id=abcd1234',
    ]);
  });

  it('never pulls, logs nothing, names the runtime explicitly', () => {
    expect(values(args, '--pull')).toEqual(['never']);
    expect(values(args, '--log-driver')).toEqual(['none']);
    expect(values(args, '--runtime')).toEqual(['runc']);
    const gv = buildDockerRunArgs(spec({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, runtime: 'runsc' } }), ids);
    expect(values(gv, '--runtime')).toEqual(['runsc']);
  });

  it('runs a bounded keeper as another non-root user, then the image', () => {
    expect(values(args, '--user')).toEqual(['65534:65534']);
    expect(values(args, '--entrypoint')).toEqual(['sleep']);
    expect(args.slice(-2)).toEqual(['airlock-sandbox:local', String(l.timeoutSeconds + 120)]);
  });

  it('extends the keeper by exactly the idle time of a container started ahead, never less', () => {
    const ahead = buildDockerRunArgs(spec(), ids, 300);
    expect(ahead.at(-1)).toBe(String(l.timeoutSeconds + 120 + 300));
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => buildDockerRunArgs(spec(), ids, bad)).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID' }),
      );
    }
  });

  it('has no -t/-i and no --rm (removal is ours: docker rm -f in finally)', () => {
    for (const f of ['-t', '-i', '-it', '--tty', '--interactive', '--rm']) expect(args).not.toContain(f);
  });

  it('rejects invalid limits, names, labels and image refs', () => {
    expect(() =>
      buildDockerRunArgs(spec({ limits: { ...DEFAULT_PROFILES.standard, pids: 0 } }), ids),
    ).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() =>
      buildDockerRunArgs(spec({ limits: { ...DEFAULT_PROFILES.standard, cpus: Number.NaN } }), ids),
    ).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() => buildDockerRunArgs(spec(), { ...ids, name: '--privileged' })).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
    expect(() =>
      buildDockerRunArgs(spec({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, image: '--privileged' } }), ids),
    ).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
    expect(() =>
      buildDockerRunArgs(spec({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, label: 'x=y' } }), ids),
    ).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });
});

describe('sandbox user', () => {
  it('rejects root, by uid or gid, and names', () => {
    for (const user of [
      '0',
      '0:0',
      '10001:0',
      'root',
      'sandbox',
      '-1',
      '',
      '12345',
      '2147483648:10001',
      '10001:4294967295',
    ]) {
      expect(() => parseSandboxUser(user)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
      expect(() => buildDockerRunArgs(spec({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, user } }), ids)).toThrow(
        expect.objectContaining({ code: 'INPUT_INVALID' }),
      );
    }
  });

  it('gives the engine the parsed uid:gid, never the raw text', () => {
    const s = spec({
      sandbox: { ...DEFAULT_SANDBOX_CONFIG, user: '0010001:010001' },
      command: ['python3', 'x.py'],
    });
    expect(scriptExec(s).user).toBe('10001:10001');
    expect(copyOutExec(s).user).toBe('10001:10001');
    const bare = spec({
      sandbox: { ...DEFAULT_SANDBOX_CONFIG, user: '12345' },
      command: ['python3', 'x.py'],
    });
    expect(() => scriptExec(bare)).toThrow(expect.objectContaining({ code: 'INPUT_INVALID' }));
  });

  it('accepts numeric uid:gid and picks a keeper uid different from it', () => {
    expect(parseSandboxUser('1000:1001')).toEqual({ uid: 1000, gid: 1001 });
    expect(parseSandboxUser('2147483647:2147483647')).toEqual({ uid: 2 ** 31 - 1, gid: 2 ** 31 - 1 });
    expect(keeperUser('10001:10001')).toBe('65534:65534');
    expect(keeperUser('65534:65534')).toBe('65533:65533');
  });
});

describe('buildExecArgs', () => {
  it('runs the command as the sandbox user in /work, argv unchanged, no stdin or tty', () => {
    const a = buildExecArgs(spec({ command: ['python3', '--', '-rf.py', '$(id)'] }), 'c1');
    expect(a).toEqual([
      'exec',
      '--user',
      '10001:10001',
      '--workdir',
      '/work',
      'c1',
      'python3',
      '--',
      '-rf.py',
      '$(id)',
    ]);
    expect(() => buildExecArgs(spec({ command: [] }), 'c1')).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });

  it('wraps a spec that collects output in the copy-out launcher, its argv unchanged as "$@"', () => {
    const a = buildExecArgs(
      spec({ command: ['python3', '--', '-rf.py', '$(id)'], collectOutputTo: '/tmp/x' }),
      'c1',
    );
    expect(a.slice(0, 7)).toEqual(['exec', '--user', '10001:10001', '--workdir', '/work', 'c1', '/bin/sh']);
    expect(a[7]).toBe('-c');
    expect(a[8]).toBe(COPY_OUT_LAUNCHER);
    // $0 for the shell, then the script's argv as separate words: never spliced into the shell text.
    expect(a.slice(9)).toEqual(['airlock-launcher', 'python3', '--', '-rf.py', '$(id)']);
    expect(COPY_OUT_LAUNCHER).toContain('--directory=/out');
    expect(COPY_OUT_LAUNCHER).toContain('\n"$@"\n');
  });

  it('makes the same archive in both copy-outs: the launcher (runc) and the tar exec (runsc)', () => {
    const tar = copyOutExec(spec());
    expect(tar.user).toBe('10001:10001');
    expect(tar.cmd).toEqual([
      'tar',
      '--create',
      '--file=-',
      '--directory=/out',
      '--format=posix',
      '--numeric-owner',
      '.',
    ]);
    expect(COPY_OUT_LAUNCHER).toContain(`r=$(${tar.cmd.slice(0, -1).join(' ')} --totals . `);
  });
});
