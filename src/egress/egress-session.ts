import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRIDGE_SOURCE } from './bridge-source.js';
import type { EffectiveEgress } from './policy-egress.js';
import { type EgressRecord, EgressProxy } from './proxy.js';

/** Where the proxy's socket and the bridge are mounted (read-only) in the sandbox. */
export const EGRESS_MOUNT = '/airlock-egress';
/** The port the bridge listens on inside the container, on loopback. */
export const EGRESS_PORT = 3128;

/** What one sandbox run with egress needs, and its records when it ends. */
export interface EgressSession {
  mount: { host: string; container: string };
  env: Record<string, string>;
  /** The script's argv, run behind the bridge. */
  wrap(command: string[]): string[];
  /** Stops the proxy, removes its directory, returns every request it saw. */
  finish(): Promise<EgressRecord[]>;
}

/**
 * Starts a proxy for one run on a unix socket in a fresh directory (mkdtemp: nothing a
 * workspace could have planted), with the bridge program beside it. The socket is
 * world-writable so the sandbox's uid can connect; the directory is mounted read-only,
 * which does not stop connecting to a socket.
 */
export async function startEgressSession(egress: EffectiveEgress): Promise<EgressSession> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-egress-'));
  const proxy = new EgressProxy({ rules: egress.rules, byteBudget: egress.maxBytes });
  try {
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'bridge.py'), BRIDGE_SOURCE, { mode: 0o644 });
    const socket = join(dir, 'proxy.sock');
    await proxy.listen(socket);
    await chmod(socket, 0o666);
  } catch (e) {
    await proxy.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `http://127.0.0.1:${EGRESS_PORT}`;
  let finished: Promise<EgressRecord[]> | undefined;
  return {
    mount: { host: dir, container: EGRESS_MOUNT },
    env: { HTTP_PROXY: url, HTTPS_PROXY: url, http_proxy: url, https_proxy: url, NO_PROXY: '', no_proxy: '' },
    wrap: (command) => [
      'python3',
      '-I',
      `${EGRESS_MOUNT}/bridge.py`,
      `${EGRESS_MOUNT}/proxy.sock`,
      String(EGRESS_PORT),
      '--',
      ...command,
    ],
    finish() {
      finished ??= (async () => {
        await proxy.close();
        await rm(dir, { recursive: true, force: true });
        return [...proxy.records];
      })();
      return finished;
    },
  };
}
