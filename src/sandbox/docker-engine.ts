import { UserError } from '../errors.js';
import { CappedBuffer } from '../exec/run-command.js';
import {
  type ContainerEngine,
  type ContainerState,
  type ContainerSummary,
  type CopyOut,
  EngineFailure,
  type ExecOutcome,
  type ExecSinks,
} from './container-engine.js';
import { type ContainerSpec, renderUser } from './container-spec.js';
import { EngineApi, EngineError, localEngineSocket } from './engine-api.js';
import type { ExecConfig } from './exec-config.js';
import { renderCreateRequest } from './render-create-request.js';

/**
 * ContainerEngine over the Docker Engine API on a unix socket. The socket path is the
 * constructor's, so Podman's Docker-compatible service (`podman system service`) can use
 * the same class. Every engine answer becomes a typed outcome here, once: an engine
 * status code, or a fact asked of the engine (its runtimes, the exec's pid), never a
 * message text, and never anything the script printed.
 */

const ID_RE = /^[a-f0-9]{64}$/;
const path = (name: string) => `/containers/${encodeURIComponent(name)}`;
const isAbort = (e: unknown) => e instanceof Error && e.name === 'AbortError';

export class DockerEngine implements ContainerEngine {
  private api: Promise<EngineApi | null> | undefined;
  constructor(readonly socketPath: string) {}

  get endpoint(): string {
    return `unix://${this.socketPath}`;
  }

  private async client(): Promise<EngineApi> {
    this.api ??= EngineApi.connect(this.socketPath);
    const api = await this.api;
    if (api !== null) return api;
    this.api = undefined; // ask again next time: the engine may be back
    throw new EngineFailure('engine-gone', `the container engine at ${this.socketPath} does not answer`);
  }

  /** One request; a dropped connection is `engine-gone`, an abort stays an AbortError. */
  private async call(method: string, p: string, body?: unknown, timeoutMs?: number, signal?: AbortSignal) {
    const api = await this.client();
    try {
      return await api.request(method, p, body, timeoutMs, signal);
    } catch (e) {
      if (isAbort(e)) throw e;
      // The next call pings first (bounded), so a dead or wedged engine costs each
      // later call seconds at most, not the request's own long timeout.
      this.api = undefined;
      throw new EngineFailure('engine-gone', `the container engine stopped answering: ${String(e)}`, {
        cause: e,
      });
    }
  }

  async ping(): Promise<boolean> {
    return (await EngineApi.connect(this.socketPath, 5000)) !== null;
  }

  async create(spec: ContainerSpec): Promise<string> {
    const req = renderCreateRequest(spec);
    const r = await this.call(
      'POST',
      `/containers/create?name=${encodeURIComponent(req.name)}`,
      req.body,
      120_000,
    );
    const id = (r.body as { Id?: unknown } | null)?.Id;
    if (r.status === 201 && typeof id === 'string' && ID_RE.test(id)) return id;
    const why = EngineApi.message(r.body);
    // A create answers 404 only for the image (we never pull).
    if (r.status === 404)
      throw new EngineFailure('image-missing', `image ${spec.image} is not in the engine: ${why}`);
    if (!(await this.runtimes()).includes(spec.runtime)) {
      throw new EngineFailure('runtime-missing', `the engine has no runtime '${spec.runtime}': ${why}`);
    }
    throw new EngineFailure('refused', `the engine refused to create the container: ${why}`);
  }

  async runtimes(): Promise<string[]> {
    const r = await this.call('GET', '/info');
    return Object.keys((r.body as { Runtimes?: Record<string, unknown> } | null)?.Runtimes ?? {});
  }

  async start(id: string): Promise<void> {
    const r = await this.call('POST', `${path(id)}/start`, undefined, 120_000);
    if (r.status === 204 || r.status === 304) return;
    throw this.failure(r.status, r.body, 'start');
  }

  private failure(status: number, body: unknown, what: string): EngineFailure {
    const why = `${what}: ${EngineApi.message(body)}`;
    // 404: no such container; 409: it is not running (stopped or being removed).
    return new EngineFailure(status === 404 || status === 409 ? 'container-missing' : 'refused', why);
  }

  async exec(
    container: string,
    cfg: ExecConfig,
    sinks: ExecSinks,
    opts: { signal?: AbortSignal } = {},
  ): Promise<ExecOutcome> {
    const api = await this.client();
    try {
      const end = await api.exec(container, { ...cfg, user: renderUser(cfg.user) }, sinks, opts);
      // Pid 0 with 126/127: the runtime never started the command (not executable, not
      // found); the stream then holds the runtime's words, which a script could imitate:
      // not read. Podman reports pid 0 for every exec that has ended, so there a script's
      // own exit 126/127 also reads as not started: an `error`, which fails the gate too
      // (docs/hardening.md, Engines).
      if (end.pid === 0 && (end.exitCode === 126 || end.exitCode === 127))
        throw new EngineFailure('exec-failed', `the engine could not start ${cfg.cmd[0] ?? ''}`);
      return { exitCode: end.exitCode };
    } catch (e) {
      if (isAbort(e) || e instanceof EngineFailure) throw e;
      if (e instanceof EngineError) throw this.failure(e.status, { message: e.message }, 'exec');
      this.api = undefined; // as in call(): ping before the next request
      throw new EngineFailure('engine-gone', `the container engine stopped answering: ${String(e)}`, {
        cause: e,
      });
    }
  }

  async copyOut(container: string, cfg: ExecConfig, cap: number, timeoutMs: number): Promise<CopyOut> {
    const out = new CappedBuffer(cap);
    let stderr = '';
    const stop = new AbortController();
    const timer = setTimeout(() => stop.abort(), timeoutMs);
    let exitCode: number | null = null;
    try {
      const sinks: ExecSinks = {
        stdout: (c) => {
          out.push(c);
          if (out.truncated) stop.abort();
        },
        stderr: (c) => {
          if (stderr.length < 8192) stderr += c.toString('utf8');
        },
      };
      exitCode = (await this.exec(container, cfg, sinks, { signal: stop.signal })).exitCode;
    } catch (e) {
      if (!stop.signal.aborted) throw e;
    } finally {
      clearTimeout(timer);
    }
    return { data: out.toBuffer(), truncated: out.truncated, exitCode, stderr };
  }

  async wait(container: string, opts: { signal?: AbortSignal } = {}): Promise<void> {
    const r = await this.call(
      'POST',
      `${path(container)}/wait?condition=not-running`,
      undefined,
      0,
      opts.signal,
    );
    if (r.status !== 200 && r.status !== 404) throw this.failure(r.status, r.body, 'wait');
  }

  async kill(container: string): Promise<void> {
    const r = await this.call('POST', `${path(container)}/kill?signal=SIGKILL`);
    if (r.status === 204 || r.status === 404 || r.status === 409) return; // killed, or nothing left to kill
    throw this.failure(r.status, r.body, 'kill');
  }

  async remove(container: string): Promise<boolean> {
    try {
      const r = await this.call('DELETE', `${path(container)}?force=1&v=1`);
      // 409 "removal already in progress" (a concurrent removal) is false: the caller
      // waits for it (removeContainer in containers.ts), and stops at once if the
      // engine is gone.
      return r.status === 204 || r.status === 200 || r.status === 404;
    } catch {
      return false;
    }
  }

  async inspect(container: string): Promise<ContainerState | null> {
    const r = await this.call('GET', `${path(container)}/json`, undefined, 20_000);
    if (r.status === 404) return null;
    if (r.status !== 200) throw this.failure(r.status, r.body, 'inspect');
    const state = (r.body as { State?: { Running?: unknown; OOMKilled?: unknown } }).State ?? {};
    return { running: state.Running === true, oomKilled: state.OOMKilled === true };
  }

  async imageId(ref: string): Promise<string | null> {
    if (ref.startsWith('-')) return null;
    const r = await this.call('GET', `/images/${encodeURIComponent(ref)}/json`, undefined, 20_000);
    const id = (r.body as { Id?: unknown } | null)?.Id;
    return r.status === 200 && typeof id === 'string' ? id : null;
  }

  async listContainers(label: string): Promise<ContainerSummary[]> {
    const filters = encodeURIComponent(JSON.stringify({ label: [label] }));
    const r = await this.call('GET', `/containers/json?all=1&filters=${filters}`, undefined, 30_000);
    if (r.status !== 200 || !Array.isArray(r.body)) throw this.failure(r.status, r.body, 'list containers');
    const out: ContainerSummary[] = [];
    for (const c of r.body as { Names?: unknown; Labels?: unknown }[]) {
      // The engine names a container "/name" (one name since links went away).
      const first = Array.isArray(c.Names) ? c.Names[0] : undefined;
      const name = typeof first === 'string' ? first.replace(/^\//, '') : '';
      if (name === '') continue;
      const labels: Record<string, string> = {};
      if (c.Labels && typeof c.Labels === 'object')
        for (const [k, v] of Object.entries(c.Labels)) if (typeof v === 'string') labels[k] = v;
      out.push({ name, labels });
    }
    return out;
  }
}

let shared: DockerEngine | undefined;

/**
 * The engine the docker CLI would use, when that is a local unix socket (DOCKER_HOST
 * unix://... or the default). Another kind (tcp://, ssh://, a context) is refused with
 * the fix, rather than driven through a CLI whose answers would need parsing.
 */
export function defaultEngine(): ContainerEngine {
  const socket = localEngineSocket();
  if (socket === null) {
    throw new UserError(
      'DOCKER_UNAVAILABLE',
      'Airlock drives the container engine through a local unix socket, and DOCKER_HOST or DOCKER_CONTEXT select another; set DOCKER_HOST=unix:///path/to/docker.sock',
    );
  }
  if (shared?.socketPath !== socket) shared = new DockerEngine(socket);
  return shared;
}
