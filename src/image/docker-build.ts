import { UserError } from '../errors.js';
import type { ImageFlavor } from './flavor.js';
import { dockerEnv } from './docker-image.js';
import { streamCommand } from './stream-command.js';

/** Build args images/Dockerfile declares; nothing else is passed to the build. */
export interface ImageBuildArgs {
  BASE_IMAGE: string;
  IMAGE_SOURCE: string;
  IMAGE_VERSION: string;
  IMAGE_REVISION: string;
  IMAGE_CREATED: string;
  CONTEXT_SHA256: string;
}

/**
 * `docker build` argv. `--rm --force-rm`: no intermediate container is left behind,
 * also when a step fails. No `--pull`: the base may only exist locally (bootstrapped
 * from Debian's archive where no registry is reachable). Build args are one argv
 * element each (`KEY=value`), so no value is ever parsed by a shell. `--no-cache`
 * for patch rebuilds: a cached `apt-get upgrade` layer would never see a new
 * Debian security release, since the RUN line's text does not change. `--target`
 * is the flavor (core or full, the Dockerfile's stages of those names).
 */
export function dockerBuildArgs(
  tag: string,
  contextDir: string,
  args: ImageBuildArgs,
  opts: { noCache?: boolean; target: ImageFlavor },
): string[] {
  const argv = ['build', '--rm', '--force-rm', '--tag', tag, '--file', `${contextDir}/Dockerfile`];
  argv.push('--target', opts.target);
  if (opts.noCache) argv.push('--no-cache');
  for (const [k, v] of Object.entries(args)) argv.push('--build-arg', `${k}=${v}`);
  argv.push('--', contextDir);
  return argv;
}

// Terminal colour/control sequences (the classic builder forwards apt's and npm's
// verbatim): stripped so progress lines are plain text in any log.
const CONTROL = /\u001b\[[0-9;?]*[ -/]*[@-~]|[\u0000-\u0008\u000b-\u001f\u007f]/g;

export function plainLine(line: string): string {
  return line.replace(CONTROL, '');
}

/**
 * The step a build output line announces, if any: the classic builder prints
 * `Step 7/27 : RUN ...`, BuildKit `#9 [mermaid 4/5] RUN ...`.
 */
export function stepOf(line: string): string | undefined {
  const classic = /^Step \d+\/\d+ : .*/.exec(line);
  if (classic) return classic[0];
  const buildkit = /^#\d+ (\[[^\]]+\] .*)/.exec(line);
  return buildkit?.[1];
}

const STEP_SHOWN_CHARS = 160;

/** Runs the build, streaming lines to `progress`; throws IMAGE_BUILD_FAILED naming the step. */
export async function runDockerBuild(
  argv: readonly string[],
  progress: (line: string) => void,
  timeoutMs: number,
): Promise<void> {
  let step = 'before the first step';
  let lastOutput = '';
  const r = await streamCommand('docker', argv, {
    env: dockerEnv(),
    timeoutMs,
    spawnErrorCode: 'DOCKER_UNAVAILABLE',
    onLine: (raw, stream) => {
      const line = plainLine(raw);
      const s = stepOf(line);
      if (s) step = s.length > STEP_SHOWN_CHARS ? `${s.slice(0, STEP_SHOWN_CHARS)}…` : s;
      // The classic builder prints a failing RUN's own output on stdout and only
      // its verdict ("returned a non-zero code") on stderr: keep both.
      else if (stream === 'stdout' && line.trim()) lastOutput = line.trim();
      progress(line);
    },
  });
  if (r.exitCode === 0) return;
  const how = r.timedOut
    ? `timed out after ${Math.round(timeoutMs / 1000)} s`
    : r.signal
      ? `was killed by ${r.signal}`
      : `exited ${r.exitCode}`;
  const lastErr = plainLine(r.stderrTail.at(-1) ?? '').trim();
  const detail = [lastErr, lastOutput && lastOutput !== lastErr ? `last output: ${lastOutput}` : '']
    .filter(Boolean)
    .join('; ');
  throw new UserError('IMAGE_BUILD_FAILED', `docker build ${how} at "${step}"${detail ? `: ${detail}` : ''}`);
}
