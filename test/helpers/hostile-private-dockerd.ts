import { existsSync, openSync } from 'node:fs';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCommand, tryRunCommand } from '../../src/exec/run-command.js';

/**
 * A second, private Docker daemon for the "daemon dies mid-run" fault. Killing the
 * shared dockerd would break every other test on the machine; this one has its own
 * socket, data root, exec root (and so its own containerd), its own bridge and no
 * iptables rules. The test kills it, restarts it on the same data, and stops it at the
 * end, always by the pids it started.
 *
 * NOT `--bridge none`: with the default bridge disabled, dockerd deletes any interface
 * named docker0 at start-up (moby's removeDefaultBridgeInterface), which takes the
 * SHARED daemon's default network away from every other container on the machine.
 * The private daemon gets a bridge of its own instead, removed again at the end.
 */
export interface PrivateDockerd {
  /** unix:///... for DOCKER_HOST */
  host: string;
  root: string;
  /** SIGKILL the daemon (and only it): the fault. */
  crash(): Promise<void>;
  /** Start it again on the same data and exec roots. */
  restart(): Promise<void>;
  /** Stop it (and the containerd it started) and remove its directories. */
  dispose(): Promise<void>;
}

/**
 * `egress`: let the daemon's containers (and its classic-builder RUN steps) reach
 * outside through NAT, as on a runner, so an image build can fetch from Debian's
 * archive. With --iptables=false the daemon adds no rules itself; the three rules here
 * name only this daemon's bridge and subnet and are deleted again by dispose().
 */
export async function startPrivateDockerd(opts: { egress?: boolean } = {}): Promise<PrivateDockerd> {
  const root = await mkdtemp(join(tmpdir(), 'airlock-test-dockerd-'));
  const sock = join(root, 'docker.sock');
  const host = `unix://${sock}`;
  const execRoot = join(root, 'exec');
  await mkdir(join(root, 'data'), { recursive: true });
  let daemon: ChildProcess | undefined;
  // <= 15 chars (IFNAMSIZ); a link-local-free private range unlikely to clash with anything.
  const bridge = `airl${randomBytes(4).toString('hex')}`;
  const octet = 200 + Math.floor(Math.random() * 50);
  await runCommand('ip', ['link', 'add', bridge, 'type', 'bridge'], { code: 'DOCKER_UNAVAILABLE' });
  await runCommand('ip', ['addr', 'add', `10.213.${octet}.1/24`, 'dev', bridge], {
    code: 'DOCKER_UNAVAILABLE',
  });
  await runCommand('ip', ['link', 'set', bridge, 'up'], { code: 'DOCKER_UNAVAILABLE' });
  const natRules: string[][] = opts.egress
    ? [
        ['-t', 'nat', 'POSTROUTING', '-s', `10.213.${octet}.0/24`, '!', '-o', bridge, '-j', 'MASQUERADE'],
        ['-t', 'filter', 'FORWARD', '-i', bridge, '-j', 'ACCEPT'],
        [
          '-t',
          'filter',
          'FORWARD',
          '-o',
          bridge,
          '-m',
          'conntrack',
          '--ctstate',
          'RELATED,ESTABLISHED',
          '-j',
          'ACCEPT',
        ],
      ]
    : [];
  const withVerb = (rule: string[], verb: string): string[] => [rule[0]!, rule[1]!, verb, ...rule.slice(2)];
  for (const rule of natRules) {
    await runCommand('iptables', withVerb(rule, '-I'), { code: 'DOCKER_UNAVAILABLE' });
  }

  const env = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    DOCKER_HOST: host,
  });
  const logFd = () => openSync(join(root, 'dockerd.log'), 'a');
  const start = async (): Promise<void> => {
    daemon = spawn(
      'dockerd',
      [
        '--host',
        host,
        '--data-root',
        join(root, 'data'),
        '--exec-root',
        execRoot,
        '--pidfile',
        join(root, 'docker.pid'),
        '--bridge',
        bridge,
        '--iptables=false',
        '--ip-masq=false',
      ],
      // Its log beside the data: a daemon that does not come up says why.
      { stdio: ['ignore', logFd(), logFd()], detached: false },
    );
    for (let i = 0; i < 60; i++) {
      const r = await tryRunCommand('docker', ['info', '--format', '{{.ServerVersion}}'], {
        env: env(),
        timeoutMs: 5000,
      });
      if (r.exitCode === 0) return;
      await sleep(500);
    }
    const log = await readFile(join(root, 'dockerd.log'), 'utf8').catch(() => '');
    throw new Error(
      `the private dockerd did not come up in 30 s; its log ends:\n${log.split('\n').slice(-15).join('\n')}`,
    );
  };

  /** The containerd this daemon started (its pid file lives in our exec root). */
  const containerdPid = async (): Promise<number | undefined> => {
    const text = await readFile(join(execRoot, 'containerd', 'containerd.pid'), 'utf8').catch(() => '');
    const pid = Number(text.trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  };

  const waitExit = async (p: ChildProcess | undefined): Promise<void> => {
    if (!p || p.exitCode !== null || p.signalCode !== null) return;
    await new Promise<void>((done) => p.once('exit', () => done()));
  };

  await start();
  return {
    host,
    root,
    async crash() {
      daemon?.kill('SIGKILL');
      await waitExit(daemon);
    },
    async restart() {
      // The killed daemon's containerd outlives it, but wedged: its log pipe to the dead
      // daemon is full, so it stops answering and the new daemon times out waiting for it
      // ("libcontainerd: containerd is still running", then "timeout waiting for
      // containerd to start"). A supervisor restarting the engine ends it first; the
      // shims (and the script's container) stay, which is what the test checks next.
      const cd = await containerdPid();
      if (cd) {
        try {
          process.kill(cd, 'SIGKILL');
        } catch {
          // already gone
        }
        for (let i = 0; i < 50 && existsSync(`/proc/${cd}`); i++) await sleep(100);
      }
      // Its socket and pid file would make the new daemon wait for the dead one.
      for (const f of ['containerd.sock', 'containerd.pid']) {
        await rm(join(execRoot, 'containerd', f), { force: true });
      }
      await start();
    },
    async dispose() {
      daemon?.kill('SIGTERM');
      await Promise.race([waitExit(daemon), sleep(20_000)]);
      daemon?.kill('SIGKILL');
      const cd = await containerdPid();
      if (cd) {
        try {
          process.kill(cd, 'SIGTERM');
        } catch {
          // already gone with its daemon
        }
      }
      await sleep(500);
      // Overlay mounts of a killed daemon can outlive it; unmount what is under our root.
      const mounts = await readFile('/proc/self/mounts', 'utf8');
      const ours = mounts
        .split('\n')
        .map((l) => l.split(' ')[1] ?? '')
        .filter((m) => m.startsWith(root))
        .sort((a, b) => b.length - a.length);
      for (const m of ours) await tryRunCommand('umount', ['-l', m]);
      await rm(root, { recursive: true, force: true }).catch(() => undefined);
      await tryRunCommand('ip', ['link', 'del', bridge]);
      for (const rule of natRules) await tryRunCommand('iptables', withVerb(rule, '-D'));
    },
  };
}

/** Copies an image from the shared daemon into the private one (`docker save | docker load`). */
export async function copyImage(ref: string, toHost: string): Promise<void> {
  const save = spawn('docker', ['save', ref], { stdio: ['ignore', 'pipe', 'ignore'] });
  const load = spawn('docker', ['load', '-q'], {
    stdio: ['pipe', 'ignore', 'pipe'],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: toHost },
  });
  save.stdout.pipe(load.stdin);
  let err = '';
  load.stderr.on('data', (c: Buffer) => {
    err += c.toString();
  });
  const code = await new Promise<number | null>((done) => load.on('close', done));
  if (code !== 0) throw new Error(`docker load into the private daemon failed: ${err}`);
}
