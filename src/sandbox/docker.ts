import { spawn } from 'node:child_process';
import { UserError } from '../errors.js';
import { createRequestFromRunArgs } from './create-request.js';
import { type EngineApi, EngineError, localEngine } from './engine-api.js';
import {
  CappedBuffer,
  type CommandResult,
  capturedResult,
  DEFAULT_MAX_OUTPUT,
  lastLine,
  minimalEnv,
  type RunOptions,
  tryRunCommand,
  DOCKER_CLIENT_VARS,
} from '../exec/run-command.js';

/**
 * The docker CLI's environment: a minimal one plus the variables that select and
 * authenticate the engine (a remote or rootless engine, a context, TLS). These reach
 * the docker client only; the container's environment is only ever explicit --env.
 */

export function dockerClientEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const extra: NodeJS.ProcessEnv = {};
  for (const k of DOCKER_CLIENT_VARS) if (env[k] !== undefined) extra[k] = env[k];
  return minimalEnv(extra);
}

/** `docker ARGS` through the one exec wrapper, with the docker client's environment. */
export function docker(args: readonly string[], opts: RunOptions = {}): Promise<CommandResult> {
  return tryRunCommand('docker', args, { ...opts, env: dockerClientEnv() });
}

/** The engine's version and runtimes; throws DOCKER_UNAVAILABLE when it cannot be reached. */
export async function checkDocker(): Promise<{ serverVersion: string; runtimes: string[] }> {
  const hint = 'start it with `setsid dockerd >/var/log/dockerd.log 2>&1 &` (or `bash scripts/setup.sh`)';
  let r: CommandResult;
  try {
    r = await docker(['info', '--format', '{{json .}}'], { timeoutMs: 20_000 });
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'the docker CLI is not on PATH' : String(e);
    throw new UserError('DOCKER_UNAVAILABLE', `the Docker engine is not reachable: ${why}; ${hint}`);
  }
  let info: { ServerVersion?: string; Runtimes?: Record<string, unknown>; ServerErrors?: string[] } = {};
  try {
    info = JSON.parse(r.stdout) as typeof info;
  } catch {
    // fall through: reported below
  }
  if (r.exitCode !== 0 || !info.ServerVersion) {
    const why = info.ServerErrors?.[0] ?? (lastLine(r.stderr) || `docker info exited ${r.exitCode}`);
    throw new UserError('DOCKER_UNAVAILABLE', `the Docker engine is not reachable: ${why}; ${hint}`);
  }
  return { serverVersion: info.ServerVersion, runtimes: Object.keys(info.Runtimes ?? {}).sort() };
}

/** The image's ID, or null when the engine does not have it locally. */
export async function localImageId(ref: string): Promise<string | null> {
  if (ref.startsWith('-')) return null;
  const r = await docker(['image', 'inspect', '--format', '{{.Id}}', '--', ref], {
    timeoutMs: 20_000,
  });
  return r.exitCode === 0 ? r.stdout.trim() || null : null;
}

/** Throws IMAGE_MISSING unless the image exists locally (we never pull). */
export async function requireImage(ref: string): Promise<string> {
  const id = await localImageId(ref);
  if (!id) {
    throw new UserError(
      'IMAGE_MISSING',
      `the sandbox image ${ref} is not present in the local Docker engine: run \`airlock image build\``,
    );
  }
  return id;
}

/**
 * The gate's image check: `{ ref, id }` of the local image, or IMAGE_MISSING. Never
 * pulls (the pinned image is the single toolchain; a registry fetch is not ours to do).
 */
export async function ensureImage(
  ref: string,
  progress?: (line: string) => void,
): Promise<{ ref: string; id: string }> {
  const id = await requireImage(ref);
  progress?.(`image: ${ref} (${id})`);
  return { ref, id };
}

/**
 * `docker run --detach <args>`: through the engine's socket where the CLI would use it
 * too (the same container, translated by create-request.ts), else through the CLI. The
 * result is the CLI's: exit 0 with the id on stdout, or 125 and the engine's message.
 */
export async function createContainer(runArgs: readonly string[], timeoutMs: number): Promise<CommandResult> {
  const engine = await localEngine();
  if (engine === null) return docker(runArgs, { timeoutMs });
  const started = performance.now();
  const req = createRequestFromRunArgs(runArgs);
  const out = new CappedBuffer(DEFAULT_MAX_OUTPUT);
  const err = new CappedBuffer(DEFAULT_MAX_OUTPUT);
  let exitCode = 0;
  try {
    out.push(Buffer.from(`${await engine.createAndStart(req.name, req.body, timeoutMs)}\n`, 'utf8'));
  } catch (e) {
    const why = e instanceof EngineError ? `Error response from daemon: ${e.message}` : String(e);
    exitCode = 125;
    err.push(Buffer.from(`docker: ${why}\n`, 'utf8'));
  }
  return capturedResult('docker', runArgs, out, err, {
    exitCode,
    signal: null,
    timedOut: false,
    startedAt: started,
  });
}

/** `docker rm -f`; true when the container is gone afterwards (removed now or already). */
export async function removeContainer(name: string): Promise<boolean> {
  const engine = await localEngine();
  if (engine !== null) return removeThroughEngine(engine, name);
  const r = await docker(['rm', '--force', '--volumes', name], { timeoutMs: 60_000 }).catch(() => null);
  if (r !== null && (r.exitCode === 0 || /No such container/i.test(r.stderr))) return true;
  // "removal ... already in progress" (a concurrent rm -f): wait until it is gone.
  for (let i = 0; i < 60; i++) {
    const seen = await docker(['container', 'inspect', '--format', '{{.Id}}', name], {
      timeoutMs: 20_000,
    }).catch(() => null);
    if (seen !== null && seen.exitCode !== 0 && /No such container/i.test(seen.stderr)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/** `removeContainer` over the engine's socket: the same answers, no CLI process. */
async function removeThroughEngine(engine: EngineApi, name: string): Promise<boolean> {
  const answer = await engine.remove(name).catch(() => null);
  if (answer === 'removed' || answer === 'gone') return true;
  for (let i = 0; i < 60; i++) {
    if (await engine.isGone(name).catch(() => false)) return true;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

export interface BinaryCapture {
  data: Buffer;
  /** Bytes the process wrote in total (also beyond the cap). */
  totalBytes: number;
  truncated: boolean;
  exitCode: number | null;
  stderr: string;
}

/**
 * Runs `docker <args>` and keeps at most `cap` bytes of its stdout as raw bytes.
 *
 * Not `tryRunCommand`: that decodes stdout as UTF-8 text, which would corrupt a tar
 * stream. Once the cap is reached the process is killed, so a hostile output directory
 * can neither grow our memory nor keep us reading.
 */
export function captureBinary(args: string[], cap: number, timeoutMs: number): Promise<BinaryCapture> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, {
      env: dockerClientEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
      shell: false,
    });
    const out = new CappedBuffer(cap);
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.stdout.on('data', (c: Buffer) => {
      out.push(c);
      if (out.truncated) child.kill('SIGKILL');
    });
    child.stderr.on('data', (c: Buffer) => {
      if (stderr.length < 8192) stderr += c.toString('utf8');
    });
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({
        data: out.toBuffer(),
        totalBytes: out.total,
        truncated: out.truncated,
        exitCode: code,
        stderr,
      });
    });
  });
}
