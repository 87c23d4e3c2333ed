import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { appendFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
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

/**
 * Every upstream takes the same addresses (198.51.100.1, host side 198.51.100.2/24) and
 * the tests that use one map names to it in /etc/hosts: two at once would route one
 * test's traffic into the other's namespace. So one upstream at a time on a machine,
 * across vitest's worker processes: a lock directory holding its owner's pid (a lock
 * whose owner is gone is taken over). Held from start until `stop()`.
 */
const LOCK_DIR = path.join(tmpdir(), 'airlock-egress-upstream.lock');
const LOCK_WAIT_MS = 10 * 60_000;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function lockUpstream(): Promise<() => void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(LOCK_DIR);
      writeFileSync(path.join(LOCK_DIR, 'pid'), String(process.pid));
      return () => rmSync(LOCK_DIR, { recursive: true, force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let owner = 0;
    try {
      owner = Number(readFileSync(path.join(LOCK_DIR, 'pid'), 'utf8').trim());
    } catch {
      // Made but its pid not written yet: its owner is alive.
    }
    if (owner > 0 && !alive(owner)) {
      rmSync(LOCK_DIR, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline)
      throw new Error(`egress upstream: ${LOCK_DIR} held by pid ${owner} for 10 min`);
    await sleep(250);
  }
}

/**
 * `staticDir`: served under `/pypi/` (a PEP 503 index for the install phase).
 * `hosts`: names that resolve to the upstream through a line added to /etc/hosts (the
 * proxy uses the host's resolver), marked with `label`; `stop()` puts the file back
 * before it releases the lock.
 */
export async function startEgressUpstream(
  names: string[],
  opts: { staticDir?: string; hosts?: { names: string[]; label: string } } = {},
): Promise<EgressUpstream> {
  const unlock = await lockUpstream();
  let hostsBefore: string | undefined;
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
    if (hostsBefore !== undefined) writeFileSync('/etc/hosts', hostsBefore);
    unlock();
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
    if (opts.hosts) {
      hostsBefore = readFileSync('/etc/hosts', 'utf8');
      appendFileSync(
        '/etc/hosts',
        `\n198.51.100.1 ${opts.hosts.names.join(' ')} # airlock ${opts.hosts.label}\n`,
      );
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { address: '198.51.100.1', hostSide: '198.51.100.2', certFile: path.join(dir, 'cert.pem'), stop };
}
