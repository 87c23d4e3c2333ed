import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * Host-side tripwires for the hostile corpus. A script's own report ("CONTAINED") is
 * only half the evidence: these watch from the host, so an escape that the script
 * failed to notice (or lied about) still shows up.
 */

/** Port the network probes (test/hostile/escape/net_tcp.py) try on the host. */
export const PROBE_PORT = 47123;
/** Abstract AF_UNIX name test/hostile/escape/unix_abstract.py tries to reach. */
export const PROBE_ABSTRACT = '\0airlock-hostile-probe';

export interface HostListeners {
  /** Every connection any probe accepted: each one is an escape. */
  connections: string[];
  /** Where the listeners listen, for the evidence. */
  endpoints: string[];
  close(): Promise<void>;
}

function listen(server: Server, where: Parameters<Server['listen']>[0]): Promise<void> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(where, () => {
      server.off('error', fail);
      ok();
    });
  });
}

/**
 * The docker0 bridge gateway address, where a container on the default bridge reaches
 * the host. Read with `ip`, not os.networkInterfaces(): libuv leaves out interfaces
 * without carrier, and docker0 has none while no container is attached, which made
 * the tripwire silently absent in some runs.
 */
export async function dockerGateway(): Promise<string> {
  const r = await tryRunCommand('ip', ['-4', '-o', 'addr', 'show', 'dev', 'docker0'], { timeoutMs: 10_000 });
  const m = /\binet (\d+\.\d+\.\d+\.\d+)\//.exec(r.stdout);
  if (!m?.[1])
    throw new Error(`docker0 has no IPv4 address (${r.stderr.trim()}): the gateway tripwire cannot listen`);
  return m[1];
}

/**
 * Listens on the host's loopback, the docker0 gateway and an abstract unix socket.
 * Only loopback-class addresses of this machine: nothing is exposed beyond it.
 */
export async function startHostListeners(): Promise<HostListeners> {
  const connections: string[] = [];
  const endpoints: string[] = [];
  const servers: Server[] = [];
  const make = (label: string) =>
    createServer((sock) => {
      connections.push(`${label} from ${sock.remoteAddress ?? 'unix'}`);
      sock.destroy();
    });
  const tcpHosts = ['127.0.0.1', await dockerGateway()];
  for (const host of tcpHosts) {
    const s = make(`tcp ${host}:${PROBE_PORT}`);
    await listen(s, { host, port: PROBE_PORT });
    servers.push(s);
    endpoints.push(`tcp ${host}:${PROBE_PORT}`);
  }
  const abstract = make('unix @airlock-hostile-probe');
  await listen(abstract, { path: PROBE_ABSTRACT });
  servers.push(abstract);
  endpoints.push('unix @airlock-hostile-probe');
  return {
    connections,
    endpoints,
    close: () =>
      Promise.all(servers.map((s) => new Promise<void>((ok) => s.close(() => ok())))).then(() => undefined),
  };
}

/** Host processes whose argv is exactly `argv` (e.g. the orphan's `sleep 617`). */
export async function hostProcesses(argv: readonly string[]): Promise<number[]> {
  const want = `${argv.join('\0')}\0`;
  const found: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const cmd = await readFile(`/proc/${name}/cmdline`, 'latin1');
      if (cmd === want) found.push(Number(name));
    } catch {
      // the process ended while we looked
    }
  }
  return found;
}

/** A digest of a directory tree (names, types, contents, link targets): did anything change? */
export async function treeDigest(dir: string): Promise<string> {
  const h = createHash('sha256');
  const walk = async (d: string, rel: string): Promise<void> => {
    for (const name of (await readdir(d)).sort()) {
      const p = join(d, name);
      const st = await lstat(p);
      h.update(`${rel}/${name}\0${st.mode}\0`);
      if (st.isSymbolicLink()) h.update(await readlink(p));
      else if (st.isDirectory()) await walk(p, `${rel}/${name}`);
      else if (st.isFile()) h.update(await readFile(p));
    }
  };
  await walk(dir, '.');
  return h.digest('hex');
}

export function rssBytes(): number {
  return process.memoryUsage().rss;
}
