import { describe, expect, it } from 'vitest';
import { seccompSecurityOpt } from '../../../src/sandbox/seccomp-profile.js';
import { containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { frozenCount } from '../../../src/sandbox/copy-out.js';
import { COPY_OUT_LAUNCHER, copyOutExec, FROZEN_TAG, scriptExec } from '../../../src/sandbox/exec-config.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../../src/sandbox/profiles.js';
import { renderCreateRequest } from '../../../src/sandbox/render-create-request.js';
import { renderExecArgv, renderRunArgv } from '../../../src/sandbox/render-run-argv.js';
import { fixedIds as ids, hardenedSpec as run } from '../../helpers/hardened-spec.js';

/**
 * Every rendering of a ContainerSpec, by table: one row per setting, the value each
 * rendering must carry. Adding a sandbox limit adds a row here (docs/design.md).
 */

const l = DEFAULT_PROFILES.standard;
const spec = containerSpecFor(run({ env: { SEED: '7' } }), ids);
const req = renderCreateRequest(spec);
const host = req.body.HostConfig;
const argv = renderRunArgv(spec, () => '/tmp/airlock-seccomp.json');

/** Values following each occurrence of `flag` in the argv. */
const values = (args: string[], flag: string) =>
  args.flatMap((a, i) => (a === flag ? [args[i + 1] ?? ''] : []));

const MIB = 1024 * 1024;
const fsize = l.fsizeMb * MIB;
const tmpfsOpts = (mb: number) => `rw,noexec,nosuid,nodev,size=${mb}m,mode=1777`;

// setting | Engine API (HostConfig or body) | docker run argv
const TABLE: [string, unknown, unknown, string, string[]][] = [
  ['runtime', host.Runtime, 'runc', '--runtime', ['runc']],
  ['read-only root', host.ReadonlyRootfs, true, '--read-only', ['']],
  ['init', host.Init, true, '--init', ['']],
  ['capabilities', host.CapDrop, ['ALL'], '--cap-drop=ALL', ['']],
  [
    'security options',
    host.SecurityOpt,
    ['no-new-privileges', seccompSecurityOpt()],
    '--security-opt',
    // The CLI takes the profile as a file (it inlines it itself); the API takes the JSON.
    ['no-new-privileges', 'seccomp=/tmp/airlock-seccomp.json'],
  ],
  ['network', host.NetworkMode, 'none', '--network', ['none']],
  ['ipc', host.IpcMode, 'private', '--ipc', ['private']],
  ['log driver', host.LogConfig, { Type: 'none', Config: {} }, '--log-driver', ['none']],
  ['pids', host.PidsLimit, l.pids, '--pids-limit', [String(l.pids)]],
  ['memory', host.Memory, l.memoryMb * MIB, '--memory', [`${l.memoryMb}m`]],
  ['memory+swap (no swap)', host.MemorySwap, l.memoryMb * MIB, '--memory-swap', [`${l.memoryMb}m`]],
  ['cpus', host.NanoCpus, l.cpus * 1e9, '--cpus', [String(l.cpus)]],
  ['shm', host.ShmSize, l.tmpfsMb * MIB, '--shm-size', [`${l.tmpfsMb}m`]],
  [
    'ulimits',
    host.Ulimits,
    [
      { Name: 'nofile', Soft: l.nofile, Hard: l.nofile },
      { Name: 'fsize', Soft: fsize, Hard: fsize },
      { Name: 'core', Soft: 0, Hard: 0 },
    ],
    '--ulimit',
    [`nofile=${l.nofile}:${l.nofile}`, `fsize=${fsize}:${fsize}`, 'core=0:0'],
  ],
  [
    'tmpfs',
    host.Tmpfs,
    {
      '/tmp': tmpfsOpts(l.tmpfsMb),
      '/var/tmp': tmpfsOpts(l.tmpfsMb),
      '/run': tmpfsOpts(l.tmpfsMb),
      '/out': tmpfsOpts(l.outputMb),
    },
    '--tmpfs',
    [
      `/tmp:${tmpfsOpts(l.tmpfsMb)}`,
      `/var/tmp:${tmpfsOpts(l.tmpfsMb)}`,
      `/run:${tmpfsOpts(l.tmpfsMb)}`,
      `/out:${tmpfsOpts(l.outputMb)}`,
    ],
  ],
  [
    'mounts',
    host.Mounts,
    [{ Type: 'bind', Source: '/ws/scripts', Target: '/work', ReadOnly: true }],
    '--mount',
    ['type=bind,source=/ws/scripts,target=/work,readonly'],
  ],
  ['workdir', req.body.WorkingDir, '/work', '--workdir', ['/work']],
  ['hostname', req.body.Hostname, 'sandbox', '--hostname', ['sandbox']],
  ['keeper user', req.body.User, '65534:65534', '--user', ['65534:65534']],
  ['keeper', req.body.Entrypoint, ['sleep'], '--entrypoint', ['sleep']],
  ['name', req.name, ids.name, '--name', [ids.name]],
];

describe('renderCreateRequest and renderRunArgv: each setting, both renderings', () => {
  it.each(TABLE)('%s', (_setting, api, apiWant, flag, argvWant) => {
    expect(api).toEqual(apiWant);
    if (argvWant.length === 1 && argvWant[0] === '') expect(argv).toContain(flag);
    else expect(values(argv, flag)).toEqual(argvWant);
  });

  it('labels, environment, image and the keeper command', () => {
    expect(req.body.Labels).toEqual(spec.labels);
    expect(values(argv, '--label')).toEqual(Object.entries(spec.labels).map(([k, v]) => `${k}=${v}`));
    expect(req.body.Env).toEqual(spec.env.map(([k, v]) => `${k}=${v}`));
    expect(values(argv, '--env')).toEqual(req.body.Env);
    expect(req.body.Env.at(-1)).toBe('SEED=7');
    expect(req.body.Image).toBe('airlock-sandbox:local');
    expect(req.body.Cmd).toEqual([String(l.timeoutSeconds + 120)]);
    expect(argv.slice(-2)).toEqual(['airlock-sandbox:local', String(l.timeoutSeconds + 120)]);
    expect(argv.slice(0, 2)).toEqual(['run', '--detach']);
    expect(values(argv, '--pull')).toEqual(['never']);
  });

  it('no stdin, no tty, never restarted, nothing privileged', () => {
    expect(req.body).toMatchObject({ AttachStdin: false, OpenStdin: false, Tty: false });
    expect(host.RestartPolicy).toEqual({ Name: 'no', MaximumRetryCount: 0 });
    const text = JSON.stringify(req) + argv.join(' ');
    for (const bad of ['Privileged', 'CapAdd', '--privileged', '--cap-add', 'unconfined', '--rm', '-it']) {
      expect(text).not.toContain(bad);
    }
  });

  it('takes any host path: structured in the API, CSV-quoted in the argv', () => {
    const odd = containerSpecFor(run({ workDir: '/ws/a,readonly=false/"q"' }), ids);
    expect(renderCreateRequest(odd).body.HostConfig.Mounts).toEqual([
      { Type: 'bind', Source: '/ws/a,readonly=false/"q"', Target: '/work', ReadOnly: true },
    ]);
    expect(values(renderRunArgv(odd), '--mount')).toEqual([
      'type=bind,"source=/ws/a,readonly=false/""q""",target=/work,readonly',
    ]);
  });

  it('renders the runtime, a fractional cpu and a usernsMode where the spec has them', () => {
    const gv = containerSpecFor(
      run({ sandbox: { ...DEFAULT_SANDBOX_CONFIG, runtime: 'runsc' }, limits: { ...l, cpus: 0.5 } }),
      ids,
    );
    expect(renderCreateRequest(gv).body.HostConfig).toMatchObject({
      Runtime: 'runsc',
      NanoCpus: 500_000_000,
    });
    expect(values(renderRunArgv(gv), '--cpus')).toEqual(['0.5']);
    expect(host.UsernsMode).toBeUndefined();
    const userns = { ...spec, usernsMode: 'auto' };
    expect(renderCreateRequest(userns).body.HostConfig.UsernsMode).toBe('auto');
    expect(values(renderRunArgv(userns), '--userns')).toEqual(['auto']);
  });
});

describe('execs: the script and the copy-out', () => {
  it('runs the command as the sandbox user in /work, argv unchanged', () => {
    const r = run({ command: ['python3', '--', '-rf.py', '$(id)'] });
    const exec = scriptExec(r, containerSpecFor(r, ids));
    expect(exec).toEqual({
      user: { uid: 10001, gid: 10001 },
      workdir: '/work',
      cmd: ['python3', '--', '-rf.py', '$(id)'],
    });
    expect(renderExecArgv('c1', exec)).toEqual([
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
    const empty = run({ command: [] });
    expect(() => scriptExec(empty, containerSpecFor(empty, ids))).toThrow(
      expect.objectContaining({ code: 'INPUT_INVALID' }),
    );
  });

  it('wraps a run that collects output (runc) in the copy-out launcher, its argv unchanged as "$@"', () => {
    const r = run({ command: ['python3', '--', '-rf.py', '$(id)'], collectOutputTo: '/tmp/x' });
    const { cmd } = scriptExec(r, containerSpecFor(r, ids));
    expect(cmd.slice(0, 3)).toEqual(['/bin/sh', '-c', COPY_OUT_LAUNCHER]);
    // $0 for the shell, then the script's argv as separate words: never spliced into the shell text.
    expect(cmd.slice(3)).toEqual(['airlock-launcher', 'python3', '--', '-rf.py', '$(id)']);
    expect(COPY_OUT_LAUNCHER).toContain('\n"$@"\n');
    const gv = { ...r, sandbox: { ...r.sandbox, runtime: 'runsc' as const } };
    expect(scriptExec(gv, containerSpecFor(gv, ids)).cmd).toEqual(['python3', '--', '-rf.py', '$(id)']);
  });

  it('both copy-outs make the same archive; the launcher kills, the runsc copy stops, what the script left first', () => {
    const tar = copyOutExec(spec);
    expect(tar.user).toEqual({ uid: 10001, gid: 10001 });
    const archive = 'tar --create --file=- --directory=/out --format=posix --numeric-owner';
    expect(tar.cmd.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    const text = tar.cmd[2] ?? '';
    expect(text.endsWith(`\nexec ${archive} .`)).toBe(true);
    // SIGSTOP, never SIGKILL, under gVisor; the count on stderr's first line, before tar.
    expect(text).toContain('kill -STOP "$p"');
    expect(text).not.toMatch(/kill -(9|KILL)/);
    expect(text.indexOf(`echo "${FROZEN_TAG} $n" >&2`)).toBeLessThan(text.indexOf('exec tar'));
    expect(COPY_OUT_LAUNCHER).toContain(`r=$(${archive} --totals . `);
    expect(COPY_OUT_LAUNCHER.indexOf('kill -9 -1')).toBeLessThan(COPY_OUT_LAUNCHER.indexOf(archive));
    // At every pids limit, the restricted profile's 64 too (issue 21 item 13).
    const small = containerSpecFor(run({ limits: { ...run().limits, pids: 64 } }), ids);
    expect(copyOutExec(small).cmd).toEqual(tar.cmd);
  });

  it("the runsc copy's report of stopped processes: only its exact first line counts", () => {
    expect(frozenCount(`${FROZEN_TAG} 0\n`)).toBe(0);
    expect(frozenCount(`${FROZEN_TAG} 2\ntar: x: file changed as we read it\n`)).toBe(2);
    expect(frozenCount('')).toBeNull();
    expect(frozenCount(`tar: oops\n${FROZEN_TAG} 0\n`)).toBeNull();
    expect(frozenCount(`${FROZEN_TAG} 0 extra\n`)).toBeNull();
  });
});
