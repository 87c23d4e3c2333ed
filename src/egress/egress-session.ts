import { chmod, mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
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
  /**
   * Ends the install phase (docs/egress.md, "Install phase"): its proxy stops, cutting
   * every open tunnel, and a proxy that refuses every request (recording each) takes
   * its socket for the script's run. Records are tagged with their phase from then on.
   */
  endInstallPhase(): Promise<void>;
  /** Stops the proxy, removes its directory, returns every request it saw. */
  finish(): Promise<EgressRecord[]>;
}

/** Reason recorded for each request of a script's run after an install phase. */
export const AFTER_INSTALL_REASON = "no egress in the script's run (only its install phase has egress)";

/** Names the session's directory may hold besides the bridge and the socket. */
const FILE_NAME = /^[a-z][a-z0-9-]*\.(txt|pem)$/;

/**
 * Starts a proxy for one run on a unix socket in a fresh directory (mkdtemp: nothing a
 * workspace could have planted), with the bridge program beside it. The socket is
 * world-writable so the sandbox's uid can connect; the directory is mounted read-only,
 * which does not stop connecting to a socket.
 */
export async function startEgressSession(
  egress: EffectiveEgress,
  opts: { files?: Record<string, string> } = {},
): Promise<EgressSession> {
  const dir = await mkdtemp(join(tmpdir(), 'airlock-egress-'));
  let proxy = new EgressProxy({ rules: egress.rules, byteBudget: egress.maxBytes });
  const socket = join(dir, 'proxy.sock');
  try {
    await chmod(dir, 0o755);
    await writeFile(join(dir, 'bridge.py'), BRIDGE_SOURCE, { mode: 0o644 });
    // Files the install phase reads (the checked requirements, a CA bundle): world-readable, read-only mount.
    for (const [name, text] of Object.entries(opts.files ?? {})) {
      if (!FILE_NAME.test(name)) throw new Error(`egress session file name ${JSON.stringify(name)}`);
      await writeFile(join(dir, name), text, { mode: 0o644 });
    }
    await proxy.listen(socket);
    await chmod(socket, 0o666);
  } catch (e) {
    await proxy.close().catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  const url = `http://127.0.0.1:${EGRESS_PORT}`;
  let finished: Promise<EgressRecord[]> | undefined;
  let installRecords: EgressRecord[] | undefined;
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
    async endInstallPhase() {
      if (installRecords !== undefined || finished !== undefined) return;
      await proxy.close();
      installRecords = proxy.records.map((r) => ({ ...r, phase: 'install' as const }));
      await unlink(socket).catch(() => undefined);
      proxy = new EgressProxy({ rules: [], byteBudget: 0, refuseAll: AFTER_INSTALL_REASON });
      await proxy.listen(socket);
      await chmod(socket, 0o666);
    },
    finish() {
      finished ??= (async () => {
        await proxy.close();
        await rm(dir, { recursive: true, force: true });
        if (installRecords === undefined) return [...proxy.records];
        return [...installRecords, ...proxy.records.map((r) => ({ ...r, phase: 'run' as const }))];
      })();
      return finished;
    },
  };
}
