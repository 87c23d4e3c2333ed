import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { HOSTILE_LIMITS, loadManifest, stageRuntimeCase } from '../../helpers/hostile-corpus.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';
import { type HostListeners, startHostListeners } from '../../helpers/hostile-host-probes.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The probes must be able to fail. Each case here runs a corpus script with plain
 * `docker run` and ONE protection deliberately removed, and asserts the script reports
 * ESCAPED. Without this, "no ESCAPED line" could mean a probe that never detects
 * anything. (These runs are not Airlock's sandbox; they show the tripwires work.)
 */
const { runtime } = loadManifest();
const byId = new Map(runtime.map((e) => [e.id, e]));

/** Everything Airlock's sandbox does, so each case can drop exactly one piece. */
function hardened(drop: string[]): string[] {
  const flags: Record<string, string[]> = {
    readonly: ['--read-only'],
    caps: ['--cap-drop=ALL'],
    nnp: ['--security-opt', 'no-new-privileges'],
    network: ['--network', 'none'],
    pids: ['--pids-limit', String(HOSTILE_LIMITS.pids)],
    memory: ['--memory', `${HOSTILE_LIMITS.memoryMb}m`, '--memory-swap', `${HOSTILE_LIMITS.memoryMb}m`],
    user: ['--user', '10001:10001'],
    tmpfs: ['--tmpfs', '/tmp:size=32m,noexec,nosuid,nodev'],
  };
  return Object.entries(flags)
    .filter(([k]) => !drop.includes(k))
    .flatMap(([, v]) => v);
}

interface Weakened {
  id: string;
  /** What is removed or added. */
  weakness: string;
  drop?: string[];
  extra?: (ws: { root: string; workDir: string }) => string[];
  /** Mount point of the work directory (default /work). */
  runs?: number;
}

const WEAKENED: Weakened[] = [
  {
    id: 'runner-env',
    weakness: 'runner env passed in (-e GITHUB_TOKEN)',
    extra: () => ['-e', 'GITHUB_TOKEN=ghs_x'],
  },
  {
    id: 'proc1-environ',
    weakness: 'secret in the container env',
    extra: () => ['-e', 'AIRLOCK_HOSTILE_SECRET=x'],
  },
  { id: 'net-tcp', weakness: 'default bridge network', drop: ['network'] },
  { id: 'net-dns', weakness: 'host network', drop: ['network'], extra: () => ['--network', 'host'] },
  {
    id: 'unix-abstract',
    weakness: 'host network namespace',
    drop: ['network'],
    extra: () => ['--network', 'host'],
  },
  { id: 'ptrace', weakness: 'host PID namespace', extra: () => ['--pid', 'host'] },
  {
    id: 'write-readonly',
    weakness: 'script dir mounted read-write, rootfs writable, root user',
    drop: ['readonly', 'user'],
    extra: () => ['--user', '0:0'],
  },
  { id: 'memory-bomb', weakness: 'no memory limit', drop: ['memory'] },
  // The memory limit goes too: 2,000 Python processes need more than the 128 MiB test limit.
  { id: 'fork-count', weakness: 'no pids limit', drop: ['pids', 'memory'] },
  { id: 'git-snoop', weakness: 'the whole workspace mounted, not just the script dir' },
  {
    id: 'docker-socket',
    weakness: 'Docker socket mounted, root user',
    drop: ['user'],
    extra: () => ['--user', '0:0', '-v', '/var/run/docker.sock:/var/run/docker.sock'],
  },
  { id: 'residue', weakness: 'a volume shared between runs at /tmp', drop: ['tmpfs'], runs: 2 },
];

describe('the probes detect an escape when a protection is removed', () => {
  let image: string;
  let listeners: HostListeners;
  const results: Record<string, { weakness: string; escapedLines: string[] }> = {};

  beforeAll(async () => {
    image = await ensureTestImage();
    listeners = await startHostListeners();
  });
  afterAll(async () => {
    await listeners?.close();
    writeEvidence('hostile-probe-sensitivity.json', results);
  });

  it.each(WEAKENED.map((w) => [w.id, w] as const))('%s', async (id, w) => {
    const e = byId.get(id);
    expect(e, `no corpus case ${id}`).toBeDefined();
    const staged = await stageRuntimeCase(e!);
    const volume = `airlock-probe-${randomUUID()}`;
    try {
      const wholeWs = id === 'git-snoop';
      const mount = wholeWs
        ? ['-v', `${staged.workDir}/..:/ws:ro`, '-w', '/ws/scripts']
        : ['-v', `${staged.workDir}:/work${id === 'write-readonly' ? '' : ':ro'}`, '-w', '/work'];
      const shared = id === 'residue' ? ['-v', `${volume}:/tmp`] : [];
      let text = '';
      for (let i = 0; i < (w.runs ?? 1); i++) {
        const r = await tryRunCommand(
          'docker',
          [
            'run',
            '--rm',
            '--init',
            ...hardened(w.drop ?? []),
            ...(w.extra?.(staged) ?? []),
            ...mount,
            ...shared,
            image,
            'python3',
            `./${staged.scriptName}`,
          ],
          { timeoutMs: 60_000, maxOutputBytes: 1 << 20 },
        );
        text += `${r.stdout}\n${r.stderr}`;
      }
      const escapedLines = [...text.matchAll(/ESCAPED[^\n]*/g)].map((m) => m[0].slice(0, 160));
      results[id] = { weakness: w.weakness, escapedLines };
      expect(escapedLines.length, `${id} with ${w.weakness}:\n${text.slice(-1500)}`).toBeGreaterThan(0);
    } finally {
      await staged.dispose();
      if (id === 'residue') await tryRunCommand('docker', ['volume', 'rm', '-f', volume]);
    }
  });

  it('the bridge-network run reached the host tripwire', () => {
    expect(listeners.connections.length).toBeGreaterThan(0);
  });
});
