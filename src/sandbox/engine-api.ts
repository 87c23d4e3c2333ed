import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { ExecSinks } from './container-engine.js';
import { ExecStreamDemuxer } from './exec-stream.js';

/**
 * A small HTTP client of the Docker Engine API over a unix socket (Docker's, or Podman's
 * Docker-compatible service): JSON requests and the exec stream. No process per call:
 * through the CLI each call was a spawn plus the CLI's own start-up and API-version
 * ping, ~25-30 ms of CPU, and on a 2-core runner the gate is CPU-bound
 * (docs/performance.md). What the calls mean is src/sandbox/docker-engine.ts's business.
 */

const DEFAULT_SOCKET = '/var/run/docker.sock';
/** API versions look like 1.41; anything else from the ping is not trusted into a URL path. */
const API_VERSION_RE = /^1\.\d{1,3}$/;
/** JSON answers we read are small (ids, exit codes, error messages). */
const MAX_RESPONSE_BYTES = 1024 * 1024;

/**
 * The unix socket the docker CLI would use, or null when it would use something else
 * (a tcp://, ssh:// or TLS DOCKER_HOST, or a context): Airlock talks to a local socket.
 */
export function localEngineSocket(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.DOCKER_CONTEXT !== undefined && env.DOCKER_CONTEXT !== '' && env.DOCKER_CONTEXT !== 'default') {
    return null;
  }
  const host = env.DOCKER_HOST;
  if (host !== undefined && host !== '') {
    if (!host.startsWith('unix://')) return null;
    const socket = host.slice('unix://'.length);
    return path.isAbsolute(socket) ? socket : null;
  }
  if (env.DOCKER_CONTEXT === undefined && cliConfigContext(env) !== null) return null;
  return DEFAULT_SOCKET;
}

/** The context `docker context use` stored in the CLI's config, if any other than default. */
function cliConfigContext(env: NodeJS.ProcessEnv): string | null {
  const dir = env.DOCKER_CONFIG || path.join(env.HOME || os.homedir(), '.docker');
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as {
      currentContext?: unknown;
    };
    const ctx = config.currentContext;
    return typeof ctx === 'string' && ctx !== '' && ctx !== 'default' ? ctx : null;
  } catch {
    return null;
  }
}

/** An answer from the engine that was not a success: status and the engine's message. */
export class EngineError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/** What the exec reports once it has ended; `pid` 0 means the command never started. */
export interface ExecEnd {
  exitCode: number | null;
  pid: number;
}

function abortError(): Error {
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  return e;
}

export class EngineApi {
  private constructor(
    readonly socketPath: string,
    readonly apiVersion: string,
  ) {}

  /** Pings the engine; null when it does not answer like a Docker engine. */
  static async connect(socketPath: string, timeoutMs = 5000): Promise<EngineApi | null> {
    const ping = await new Promise<http.IncomingMessage | null>((resolve) => {
      const req = http.request({
        socketPath,
        method: 'GET',
        path: '/_ping',
        agent: false,
        timeout: timeoutMs,
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res);
      });
      req.on('timeout', () => req.destroy());
      req.on('error', () => resolve(null));
      req.end();
    });
    const version = ping?.headers['api-version'];
    if (ping?.statusCode !== 200 || typeof version !== 'string' || !API_VERSION_RE.test(version)) return null;
    // The engine's own version: the paths used here are stable across API versions,
    // and an engine may refuse versions older than its minimum (Engine 29: 1.44).
    return new EngineApi(socketPath, version);
  }

  private url(p: string): string {
    return `/v${this.apiVersion}${p}`;
  }

  /**
   * One JSON request; resolves with the status and parsed body (or raw text). `timeoutMs`
   * bounds the socket's idleness (0: none, for a long wait); `signal` abandons it.
   */
  request(
    method: string,
    p: string,
    body?: unknown,
    timeoutMs = 60_000,
    signal?: AbortSignal,
  ): Promise<{ status: number; body: unknown }> {
    return new Promise((resolve, reject) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = http.request({
        socketPath: this.socketPath,
        method,
        path: this.url(p),
        agent: false,
        signal,
        timeout: timeoutMs,
        headers: payload === undefined ? {} : { 'Content-Type': 'application/json' },
      });
      req.on('timeout', () =>
        req.destroy(new Error(`the Docker engine did not answer ${method} ${p} in time`)),
      );
      req.on('error', reject);
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size <= MAX_RESPONSE_BYTES) chunks.push(c);
        });
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text === '' ? null : JSON.parse(text);
          } catch {
            // not JSON: the raw text is the message
          }
          resolve({ status: res.statusCode ?? 0, body: parsed });
        });
      });
      req.end(payload);
    });
  }

  static message(body: unknown): string {
    if (body && typeof body === 'object' && typeof (body as { message?: unknown }).message === 'string') {
      return (body as { message: string }).message;
    }
    return typeof body === 'string' ? body.trim() : JSON.stringify(body);
  }

  /**
   * Runs a command in a running container, streaming its output to `sinks`; resolves
   * with its exit code once it has ended. Rejects with EngineError when the engine
   * refuses (no such container, not running), with an AbortError when `signal` fires,
   * and with the socket's error when the engine goes away.
   */
  async exec(
    container: string,
    what: { user: string; workdir?: string; cmd: readonly string[] },
    sinks: ExecSinks,
    opts: { signal?: AbortSignal } = {},
  ): Promise<ExecEnd> {
    if (opts.signal?.aborted) throw abortError();
    const created = await this.request('POST', `/containers/${encodeURIComponent(container)}/exec`, {
      User: what.user,
      ...(what.workdir === undefined ? {} : { WorkingDir: what.workdir }),
      Cmd: what.cmd,
      AttachStdin: false,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
    });
    const id = (created.body as { Id?: unknown } | null)?.Id;
    if (created.status !== 201 || typeof id !== 'string' || !/^[a-f0-9]{64}$/.test(id)) {
      throw new EngineError(created.status, EngineApi.message(created.body));
    }
    await this.attach(id, sinks, opts.signal);
    return this.execEnd(id);
  }

  /** `POST /exec/ID/start`, upgraded to the raw stream, read to its end. */
  private attach(id: string, sinks: ExecSinks, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const demux = new ExecStreamDemuxer(sinks);
      const req = http.request({
        socketPath: this.socketPath,
        method: 'POST',
        path: this.url(`/exec/${id}/start`),
        agent: false,
        headers: { 'Content-Type': 'application/json', Connection: 'Upgrade', Upgrade: 'tcp' },
      });
      let settled = false;
      const settle = (error?: Error) => {
        if (settled) return;
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error) reject(error);
        else resolve();
      };
      const onAbort = () => {
        req.destroy();
        settle(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      req.on('error', (e) => settle(e));
      req.on('upgrade', (_res, socket, head) => {
        req.removeAllListeners('error');
        req.on('error', () => undefined);
        signal?.removeEventListener('abort', onAbort);
        const onSocketAbort = () => {
          socket.destroy();
          settle(abortError());
        };
        signal?.addEventListener('abort', onSocketAbort, { once: true });
        if (head.length > 0) demux.push(head);
        socket.on('data', (c: Buffer) => demux.push(c));
        socket.on('error', (e) => {
          signal?.removeEventListener('abort', onSocketAbort);
          settle(e);
        });
        socket.on('close', () => {
          signal?.removeEventListener('abort', onSocketAbort);
          demux.end();
          settle();
        });
      });
      req.on('response', (res) => {
        // Not upgraded: the engine refused the start (e.g. the container stopped).
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          let body: unknown = Buffer.concat(chunks).toString('utf8');
          try {
            body = JSON.parse(body as string);
          } catch {
            // raw text
          }
          settle(new EngineError(res.statusCode ?? 0, EngineApi.message(body)));
        });
      });
      req.end(JSON.stringify({ Detach: false, Tty: false }));
    });
  }

  /** The exit code once the exec is no longer running (its stream can end a moment before). */
  private async execEnd(id: string): Promise<ExecEnd> {
    for (let i = 0; i < 200; i++) {
      const r = await this.request('GET', `/exec/${id}/json`);
      if (r.status !== 200) throw new EngineError(r.status, EngineApi.message(r.body));
      const info = r.body as { Running?: unknown; ExitCode?: unknown; Pid?: unknown };
      if (info.Running !== true) {
        return {
          exitCode: typeof info.ExitCode === 'number' ? info.ExitCode : null,
          pid: typeof info.Pid === 'number' ? info.Pid : -1,
        };
      }
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    return { exitCode: null, pid: -1 };
  }
}
