import path from 'node:path';
import { UserError } from '../errors.js';
import type { HardenedRunSpec, SandboxLimits } from './types.js';

/**
 * The `docker` argv of a hardened run, as pure functions (unit-tested flag by flag).
 *
 * Lifecycle (docs/hardening.md, "Lifecycle"): the container is created detached with
 * an idle keeper (`sleep`) under `--init`; the script runs in it with one exec, which
 * (when output is collected) also streams a tar of the output tmpfs after it
 * (COPY_OUT_LAUNCHER); we read the cgroup's peak memory and OOM counter, then
 * `docker rm -f`. A plain `docker run --rm` cannot do this: a bind mount cannot be
 * size-limited, and a tmpfs is gone once the container stops.
 */

/** Where the script's directory is mounted (read-only) and where it may write. */
export const WORK_DIR = '/work';
export const OUTPUT_DIR = '/out';
/** Scratch tmpfs mounts; HOME points into /tmp. */
export const SCRATCH_DIRS = ['/tmp', '/var/tmp', '/run'] as const;

/** Container paths a caller's extra mount must not cover or replace. */
const RESERVED_TARGETS = [
  '/',
  WORK_DIR,
  OUTPUT_DIR,
  ...SCRATCH_DIRS,
  '/proc',
  '/sys',
  '/dev',
  '/etc',
  '/usr',
];

/** Names of the labels that tie a container to the process that owns it. */
export const OWNER_PID_LABEL = 'org.airlock.owner-pid';
export const OWNER_START_LABEL = 'org.airlock.owner-start';
export const OWNER_HOST_LABEL = 'org.airlock.owner-host';
export const RUN_ID_LABEL = 'org.airlock.run-id';

export interface ContainerIds {
  /** Unique container name (`--name`). */
  name: string;
  /** Identifies this Airlock invocation; also a label. */
  runId: string;
  /** pid of the Airlock process that owns the container (orphan detection). */
  ownerPid: number;
  /** Start time of that process (clock ticks since boot): a reused pid does not match it. */
  ownerStart: string;
  /** Host the owner runs on: a shared engine may serve several hosts. */
  ownerHost: string;
}

/** Seconds the keeper lives beyond the script's timeout: time to copy the output out. */
export const KEEPER_GRACE_SECONDS = 120;

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;
const LABEL_KEY_RE = /^[a-z0-9][a-z0-9.-]{0,127}$/;
const ENV_KEY_RE = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const USER_RE = /^(\d{1,10}):(\d{1,10})$/;
/**
 * Ids above this fail inside runc (every run ended 126) instead of being refused
 * here; kernel ids are u32 with -1 reserved, and engines parse them as int32.
 */
export const MAX_SANDBOX_ID = 2 ** 31 - 1;

/**
 * The environment inside the container: exactly these plus the spec's own. Nothing of
 * process.env (runner tokens, cloud credentials) is ever passed; `docker -e K=V` with an
 * explicit value never reads the docker client's environment either.
 */
export function sandboxEnv(spec: HardenedRunSpec): [string, string][] {
  const ours: Record<string, string> = {
    AIRLOCK_OUTPUT_DIR: OUTPUT_DIR,
    HOME: '/tmp',
    TMPDIR: '/tmp',
    // No display: matplotlib must not look for one.
    MPLBACKEND: 'Agg',
    MPLCONFIGDIR: '/tmp/.matplotlib',
    XDG_CACHE_HOME: '/tmp/.cache',
    XDG_CONFIG_HOME: '/tmp/.config',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONUNBUFFERED: '1',
    LANG: 'C.UTF-8',
  };
  const extra = spec.env ?? {};
  for (const key of Object.keys(extra)) {
    if (!ENV_KEY_RE.test(key))
      throw new UserError('INPUT_INVALID', `invalid sandbox environment name: ${key}`);
    // The caller may not move the output directory or HOME off the bounded tmpfs.
    if (Object.hasOwn(ours, key)) throw new UserError('INPUT_INVALID', `sandbox environment ${key} is fixed`);
    if ((extra[key] ?? '').includes('\0')) throw new UserError('INPUT_INVALID', `NUL in sandbox env ${key}`);
  }
  return [...Object.entries(ours), ...Object.entries(extra)];
}

/**
 * Parses `uid:gid`, refusing root: uid 0 (or gid 0) inside is root's files and powers.
 * Both ids must be given: the engine runs a bare uid with gid 0 (root's group), so
 * `12345` alone would put the script in group root.
 */
export function parseSandboxUser(user: string): { uid: number; gid: number } {
  const m = USER_RE.exec(user);
  if (!m) {
    // A name would be resolved by the image's /etc/passwd, which could map it to 0.
    throw new UserError('INPUT_INVALID', `sandbox user must be numeric "uid:gid", both given, got '${user}'`);
  }
  const uid = Number(m[1]);
  const gid = Number(m[2]);
  if (uid === 0 || gid === 0)
    throw new UserError('INPUT_INVALID', 'the sandbox user must not be root (uid/gid 0)');
  if (uid > MAX_SANDBOX_ID || gid > MAX_SANDBOX_ID)
    throw new UserError(
      'INPUT_INVALID',
      `sandbox uid and gid must be at most ${MAX_SANDBOX_ID}, got '${user}'`,
    );
  return { uid, gid };
}

/** The exact `uid:gid` the engine is given: parsed and re-rendered, never the raw string. */
function sandboxUserArg(user: string): string {
  const { uid, gid } = parseSandboxUser(user);
  return `${uid}:${gid}`;
}

/** A different non-root uid for the keeper, so the script (no CAP_KILL) cannot kill it. */
export function keeperUser(user: string): string {
  const { uid } = parseSandboxUser(user);
  const keeper = uid === 65534 ? 65533 : 65534;
  return `${keeper}:${keeper}`;
}

/** A host path for `--mount`: absolute, and free of the CSV syntax `--mount` parses. */
function mountSource(hostPath: string): string {
  if (!path.isAbsolute(hostPath))
    throw new UserError('PATH_INVALID', `mount source must be absolute: ${hostPath}`);
  if (/[,"\n\r\0]/.test(hostPath)) {
    // `--mount` is comma-separated CSV: a comma in a path could smuggle `,readonly=false`
    // or a second `source=`; refuse rather than quote.
    throw new UserError(
      'PATH_INVALID',
      `path contains a character docker --mount cannot take: ${JSON.stringify(hostPath)}`,
    );
  }
  return path.resolve(hostPath);
}

function mountTarget(target: string): string {
  if (
    !path.posix.isAbsolute(target) ||
    /[,"\n\r\0]/.test(target) ||
    path.posix.normalize(target) !== target
  ) {
    throw new UserError('PATH_INVALID', `invalid container mount path: ${JSON.stringify(target)}`);
  }
  for (const reserved of RESERVED_TARGETS) {
    if (target === reserved || reserved.startsWith(`${target}/`) || target.startsWith(`${reserved}/`)) {
      throw new UserError('PATH_INVALID', `container mount path ${target} overlaps ${reserved}`);
    }
  }
  return target;
}

function tmpfs(target: string, mb: number): string {
  // noexec: nothing dropped there can be executed; nosuid/nodev: no setuid or device files.
  return `${target}:rw,noexec,nosuid,nodev,size=${mb}m,mode=1777`;
}

function positiveInt(name: string, v: number): number {
  if (!Number.isInteger(v) || v <= 0)
    throw new UserError('INPUT_INVALID', `limit ${name} must be a positive integer`);
  return v;
}

export function validateLimits(l: SandboxLimits): void {
  for (const key of [
    'timeoutSeconds',
    'memoryMb',
    'pids',
    'tmpfsMb',
    'outputMb',
    'nofile',
    'fsizeMb',
  ] as const) {
    positiveInt(key, l[key]);
  }
  positiveInt('maxOutputBytes', l.maxOutputBytes);
  if (!Number.isInteger(l.maxArtifacts) || l.maxArtifacts < 0) {
    throw new UserError('INPUT_INVALID', 'limit maxArtifacts must be an integer >= 0');
  }
  if (!(l.cpus > 0) || !Number.isFinite(l.cpus))
    throw new UserError('INPUT_INVALID', 'limit cpus must be > 0');
}

/**
 * `docker run` argv (without the leading `docker`) that creates the hardened container
 * with its idle keeper. The script itself runs via `buildExecArgs`.
 */
export function buildDockerRunArgs(
  spec: HardenedRunSpec,
  ids: ContainerIds,
  /** Seconds the keeper may wait, idle, before its script starts (a container started ahead). */
  idleSeconds = 0,
): string[] {
  const l = spec.limits;
  validateLimits(l);
  if (!NAME_RE.test(ids.name)) throw new UserError('INPUT_INVALID', `invalid container name: ${ids.name}`);
  if (!LABEL_KEY_RE.test(spec.sandbox.label)) {
    throw new UserError('INPUT_INVALID', `invalid container label key: ${spec.sandbox.label}`);
  }
  if (spec.sandbox.runtime !== 'runc' && spec.sandbox.runtime !== 'runsc') {
    throw new UserError('INPUT_INVALID', `unknown runtime: ${String(spec.sandbox.runtime)}`);
  }
  if (!spec.sandbox.image || spec.sandbox.image.startsWith('-')) {
    throw new UserError('INPUT_INVALID', `invalid image reference: ${spec.sandbox.image}`);
  }
  parseSandboxUser(spec.sandbox.user);
  if (!Number.isInteger(idleSeconds) || idleSeconds < 0) {
    throw new UserError('INPUT_INVALID', `idle allowance must be an integer >= 0, got ${idleSeconds}`);
  }
  const args = [
    'run',
    '--detach',
    '--name',
    ids.name,
    '--label',
    `${spec.sandbox.label}=1`,
    '--label',
    `${OWNER_PID_LABEL}=${ids.ownerPid}`,
    '--label',
    `${OWNER_START_LABEL}=${ids.ownerStart}`,
    '--label',
    `${OWNER_HOST_LABEL}=${ids.ownerHost}`,
    '--label',
    `${RUN_ID_LABEL}=${ids.runId}`,
    // Explicit, so a daemon whose default runtime was changed does not pick another.
    '--runtime',
    spec.sandbox.runtime,
    // A missing image is an error, never a pull: a typo must not fetch from a registry.
    '--pull',
    'never',
    // tini as PID 1 reaps the script's orphaned children.
    '--init',
    '--read-only',
    '--cap-drop=ALL',
    '--security-opt',
    'no-new-privileges',
    '--network',
    'none',
    '--ipc',
    'private',
    '--hostname',
    'sandbox',
    // Exec output is never logged; this keeps the keeper's (empty) output off the disk too.
    '--log-driver',
    'none',
    '--pids-limit',
    String(l.pids),
    '--memory',
    `${l.memoryMb}m`,
    // Equal to --memory: no swap, so the memory limit is the real limit.
    '--memory-swap',
    `${l.memoryMb}m`,
    '--cpus',
    String(l.cpus),
    '--ulimit',
    `nofile=${l.nofile}:${l.nofile}`,
    // RLIMIT_FSIZE is in bytes.
    '--ulimit',
    `fsize=${l.fsizeMb * 1024 * 1024}:${l.fsizeMb * 1024 * 1024}`,
    // No core dumps of a crashing script (they could hold its memory).
    '--ulimit',
    'core=0:0',
    // /dev/shm is a tmpfs too (default 64 MiB): bound it like the others.
    '--shm-size',
    `${l.tmpfsMb}m`,
  ];
  for (const dir of SCRATCH_DIRS) args.push('--tmpfs', tmpfs(dir, l.tmpfsMb));
  args.push('--tmpfs', tmpfs(OUTPUT_DIR, l.outputMb));
  args.push('--mount', `type=bind,source=${mountSource(spec.workDir)},target=${WORK_DIR},readonly`);
  for (const m of spec.readOnlyMounts ?? []) {
    args.push(
      '--mount',
      `type=bind,source=${mountSource(m.host)},target=${mountTarget(m.container)},readonly`,
    );
  }
  args.push('--workdir', WORK_DIR);
  for (const [k, v] of sandboxEnv(spec)) args.push('--env', `${k}=${v}`);
  // The keeper runs as another non-root uid than the script, which therefore cannot
  // signal it; it ends by itself after the timeout plus grace, so a container of an
  // Airlock process that was SIGKILLed stops on its own (and sweepOrphans removes it).
  args.push('--user', keeperUser(spec.sandbox.user));
  const lifetime = l.timeoutSeconds + KEEPER_GRACE_SECONDS + idleSeconds;
  args.push('--entrypoint', 'sleep', spec.sandbox.image, String(lifetime));
  return args;
}

/**
 * What runs in the container and as whom: one statement, rendered as `docker exec` argv
 * (`execArgs`) or as an Engine API exec body (src/sandbox/engine-api.ts).
 */
export interface ExecConfig {
  user: string;
  workdir?: string;
  cmd: readonly string[];
}

/**
 * The archive of the output directory on stdout: one argv for both copy-outs, the
 * launcher's (runc) and the separate exec's (runsc). Plain words only, so the launcher
 * can carry it in its shell text as is.
 */
const TAR_OUTPUT_DIR = [
  'tar',
  '--create',
  '--file=-',
  `--directory=${OUTPUT_DIR}`,
  '--format=posix',
  '--numeric-owner',
] as const;

/**
 * Tag of the line that ends a run which collects output (see COPY_OUT_LAUNCHER):
 * `airlock-copy-out <archive bytes> <tar exit status>\n`.
 */
export const COPY_OUT_TAG = 'airlock-copy-out';

/**
 * Runs the script, then streams a tar of the output directory on the same stdout and
 * ends with a COPY_OUT_TAG line giving the archive's length, so one exec does what a
 * script exec plus a `tar` exec did (one runc exec less per script; docs/performance.md).
 * After the script it kills what the script left running (`kill -9 -1` as the sandbox
 * uid reaches every process of that uid but the shell itself, never the keeper's
 * other uid), so nothing writes to the directory or the stream while tar reads it.
 * The length is tar's own `--totals` count of what it wrote (the archive goes straight to
 * the stream; no copy is kept in the container, and no `tee` reopens the stream: gVisor
 * loses the exec when /dev/fd/N of a donated host pipe is reopened). tar's messages are
 * captured, not printed (its exit status is on the trailer line), so the script's stderr
 * stays the script's alone.
 *
 * The script could print a forged trailer line itself, but only to its own cost: the
 * archive and the stdout it could "forge" are its own output either way, and the exit
 * status is the launcher's `exit`, i.e. the script's (src/sandbox/copy-out-frame.ts).
 */
export const COPY_OUT_LAUNCHER = [
  // The shell exports PWD; the script's environment is the spec's alone (sandboxEnv).
  'unset PWD',
  '"$@"',
  's=$?',
  'exec 3>&1',
  'kill -9 -1 2>/dev/null',
  // What was just killed counts against --pids-limit until PID 1 (tini) reaps it: a script
  // that used every pid would leave no fork for tar. Wait, bounded, until two nested forks fit.
  'i=0; until ( (:); : ) 2>/dev/null || [ $i -ge 20000 ]; do i=$((i+1)); done',
  // tar's stdout is the exec's stdout (fd 3); its stderr, with the --totals line, is captured.
  `r=$(${TAR_OUTPUT_DIR.join(' ')} --totals . 2>&1 >&3; echo " t$?")`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  'n=${r##*Total bytes written: }; n=${n%% *}; t=${r##* t}',
  // No count (tar failed before its totals): "-", so the frame says so instead of guessing.
  'case $n in *[!0-9]*|"") n=-; esac',
  // No status (the subshell could not fork, or died): still a well-formed trailer.
  'case $t in *[!0-9]*|"") t=255; esac',
  `printf '${COPY_OUT_TAG} %s %s\n' "$n" "$t"`,
  'exit "$s"',
].join('\n');

/**
 * Whether the script's exec also streams the output archive (COPY_OUT_LAUNCHER). Under
 * gVisor every process in the sandbox costs the sentry host threads, which count against
 * `--pids-limit`: at the restricted profile's 64, the launcher's shell forking the
 * script hangs the exec (measured: 8 of 8 runs). So runsc keeps a separate `tar` exec
 * after the script (`copyOutExec`), when the script's processes are gone.
 */
export function usesCopyOutLauncher(spec: HardenedRunSpec): boolean {
  return Boolean(spec.collectOutputTo) && spec.sandbox.runtime === 'runc';
}

/**
 * The script, as the sandbox user in the work directory; no stdin, no tty. A spec that
 * collects output under runc runs under COPY_OUT_LAUNCHER (its argv unchanged, as "$@").
 */
export function scriptExec(spec: HardenedRunSpec): ExecConfig {
  if (spec.command.length === 0) throw new UserError('INPUT_INVALID', 'empty sandbox command');
  const user = sandboxUserArg(spec.sandbox.user);
  const cmd = usesCopyOutLauncher(spec)
    ? ['/bin/sh', '-c', COPY_OUT_LAUNCHER, 'airlock-launcher', ...spec.command]
    : [...spec.command];
  return { user, workdir: WORK_DIR, cmd };
}

/**
 * A tar of the output directory on stdout, as a separate exec after the script: the
 * copy-out under runsc, where the launcher cannot be used (see `usesCopyOutLauncher`).
 */
export function copyOutExec(spec: HardenedRunSpec): ExecConfig {
  return {
    user: sandboxUserArg(spec.sandbox.user),
    cmd: [...TAR_OUTPUT_DIR, '.'],
  };
}

/** `docker exec` argv (no -i/-t: no stdin, no tty). */
export function execArgs(name: string, cfg: ExecConfig): string[] {
  return [
    'exec',
    '--user',
    cfg.user,
    ...(cfg.workdir === undefined ? [] : ['--workdir', cfg.workdir]),
    name,
    ...cfg.cmd,
  ];
}

/** `docker exec` argv running the script as the sandbox user; no -i/-t: no stdin, no tty. */
export function buildExecArgs(spec: HardenedRunSpec, name: string): string[] {
  return execArgs(name, scriptExec(spec));
}
