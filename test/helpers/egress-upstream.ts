import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * A stand-in for an allowed public host, for the egress tests: a real server (plain
 * HTTP on 80, TLS on 443 with a throwaway certificate for `names`) inside its own network
 * namespace at 198.51.100.1, reached from the host over a veth pair (host side
 * 198.51.100.2). Needs root (ip netns), openssl.
 */
export interface EgressUpstream {
  address: string;
  hostSide: string;
  certFile: string;
  stop(): Promise<void>;
}

/** `staticDir`: served under `/pypi/` (a PEP 503 index for the install phase). */
export async function startEgressUpstream(
  names: string[],
  opts: { staticDir?: string } = {},
): Promise<EgressUpstream> {
  const id = `${process.pid % 100000}${Math.floor(Math.random() * 90 + 10)}`;
  const ns = `airlock-egress-${id}`;
  const veth = `aeg${id}`;
  const dir = mkdtempSync(path.join(tmpdir(), 'airlock-egress-upstream-'));
  const sh = (cmd: string, args: string[]) => execFileSync(cmd, args, { stdio: 'pipe' });
  let server: ChildProcess | undefined;
  const stop = async () => {
    server?.kill();
    await tryRunCommand('ip', ['link', 'del', `${veth}a`]);
    await tryRunCommand('ip', ['netns', 'del', ns]);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    sh('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      `/CN=${names[0]}`,
      '-addext',
      `subjectAltName=${names.map((n) => `DNS:${n}`).join(',')}`,
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
    ]);
    sh('ip', ['netns', 'add', ns]);
    sh('ip', ['link', 'add', `${veth}a`, 'type', 'veth', 'peer', 'name', `${veth}b`]);
    sh('ip', ['link', 'set', `${veth}b`, 'netns', ns]);
    sh('ip', ['addr', 'add', '198.51.100.2/24', 'dev', `${veth}a`]);
    sh('ip', ['link', 'set', `${veth}a`, 'up']);
    sh('ip', ['netns', 'exec', ns, 'ip', 'addr', 'add', '198.51.100.1/24', 'dev', `${veth}b`]);
    sh('ip', ['netns', 'exec', ns, 'ip', 'link', 'set', `${veth}b`, 'up']);
    const s = spawn(
      'ip',
      [
        'netns',
        'exec',
        ns,
        process.execPath,
        path.join(import.meta.dirname, 'egress-upstream-server.mjs'),
        path.join(dir, 'cert.pem'),
        path.join(dir, 'key.pem'),
        '198.51.100.1',
        ...(opts.staticDir ? [opts.staticDir] : []),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    server = s;
    await new Promise<void>((resolve, reject) => {
      s.stdout?.once('data', () => resolve());
      s.once('exit', (code) => reject(new Error(`upstream server exited ${code}`)));
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { address: '198.51.100.1', hostSide: '198.51.100.2', certFile: path.join(dir, 'cert.pem'), stop };
}
