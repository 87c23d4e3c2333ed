import { UserError } from '../errors.js';
import { type ContainerSpec, type IdPair, OUTPUT_DIR } from './container-spec.js';
import type { HardenedRunSpec } from './types.js';

/** What runs in the container and as whom (an engine's exec). */
export interface ExecConfig {
  user: IdPair;
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
 * after the script (`copyOutExec`), when the script's processes are gone. (Measured while
 * the host limit was the profile's own 64, which starved gVisor: src/sandbox/runsc-pids.ts.
 * The launcher's `kill -9 -1` under gVisor has not been re-tried since.)
 */
export function usesCopyOutLauncher(run: HardenedRunSpec): boolean {
  return Boolean(run.collectOutputTo) && run.sandbox.runtime === 'runc';
}

/**
 * The script, as the sandbox user in the work directory; no stdin, no tty. A spec that
 * collects output under runc runs under COPY_OUT_LAUNCHER (its argv unchanged, as "$@").
 */
export function scriptExec(run: HardenedRunSpec, spec: ContainerSpec): ExecConfig {
  if (run.command.length === 0) throw new UserError('INPUT_INVALID', 'empty sandbox command');
  const cmd = usesCopyOutLauncher(run)
    ? ['/bin/sh', '-c', COPY_OUT_LAUNCHER, 'airlock-launcher', ...run.command]
    : [...run.command];
  return { user: spec.user, workdir: spec.workdir, cmd };
}

/** First line of the runsc copy-out's stderr: `airlock-frozen <processes stopped>`. */
export const FROZEN_TAG = 'airlock-frozen';

/**
 * Under runsc, before the archive: stop (SIGSTOP, never SIGKILL) every other process the
 * sandbox uid can signal, found in /proc (the keeper runs as another uid: EPERM, not
 * counted; zombies are skipped), and say how many on stderr's first line. Builtins only:
 * no fork, so it runs even when the script used every pid.
 */
const FREEZE_OTHERS = [
  'n=0',
  'for d in /proc/[0-9]*; do',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  '  p=${d#/proc/}',
  '  [ "$p" = "$$" ] && continue',
  '  read -r st < "$d/stat" 2>/dev/null || continue',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  '  st=${st##*) }',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
  '  [ "${st%% *}" = Z ] && continue',
  '  kill -STOP "$p" 2>/dev/null && n=$((n+1))',
  'done',
  `echo "${FROZEN_TAG} $n" >&2`,
].join('\n');

/**
 * A tar of the output directory on stdout, as a separate exec after the script: the
 * copy-out under runsc, where the launcher cannot be used (see `usesCopyOutLauncher`).
 * What the script left running is stopped first (FREEZE_OTHERS), not killed: a
 * `kill -9 -1`, or a SIGKILL of each of the uid's processes found in /proc, was seen to
 * end the whole gVisor sandbox when its host pids limit starved the Sentry (the profile's
 * 64 used to be rendered as is; src/sandbox/runsc-pids.ts); the stop did not, in any run.
 * Killing gains nothing here: the container is removed right after the copy. A stopped
 * process cannot write while tar reads, but it may have written between the script's end
 * and this exec: so when any was found, the caller refuses the whole output
 * (`collectByTarExec`), as it cannot tell those writes from the script's.
 */
export function copyOutExec(spec: ContainerSpec): ExecConfig {
  const tar = [...TAR_OUTPUT_DIR, '.'];
  return {
    user: spec.user,
    cmd: ['/bin/sh', '-c', `${FREEZE_OTHERS}\nexec ${tar.join(' ')}`, 'airlock-copy-out'],
  };
}
