import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { rootlessPodmanSocket } from '../../helpers/podman.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * Rootless Podman on this cgroup v1 host drops every resource limit (with a warning)
 * and would run a hostile script unlimited: Airlock must refuse it before any script
 * runs. A real rootless `podman system service` of an ordinary user (started by
 * scripts/podman-rootless-service.sh), reached as a user would: CONTAINER_HOST and
 * `--engine podman` on the CLI, run as its own process from the sources.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const ROOTLESS_USER = 'airlock-rootless';
let socket: string;
let ws: string;

beforeAll(async () => {
  socket = await rootlessPodmanSocket();
  ws = mkdtempSync(join(tmpdir(), 'airlock-rootless-'));
  chmodSync(ws, 0o755);
  writeFileSync(join(ws, 'hog.py'), 'b = bytearray(512 * 1024 * 1024)\nprint("ran unlimited")\n');
}, 120_000);

afterAll(() => rmSync(ws, { recursive: true, force: true }));

function cli(...argv: string[]) {
  return tryRunCommand(join(REPO, 'node_modules/.bin/tsx'), [join(REPO, 'src/cli/index.ts'), ...argv], {
    cwd: ws,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, CONTAINER_HOST: `unix://${socket}` },
    timeoutMs: 120_000,
  });
}

describe('rootless Podman on cgroup v1 is refused', () => {
  it('the service is really rootless Podman on cgroup v1 (its own /libpod/info)', async () => {
    const r = await tryRunCommand('curl', ['-sf', '--unix-socket', socket, 'http://d/v1.41/libpod/info']);
    expect(r.exitCode).toBe(0);
    const host = JSON.parse(r.stdout).host;
    expect(host.security.rootless).toBe(true);
    expect(host.cgroupVersion).toBe('v1');
  });

  it('why: a container it starts with --memory 64m gets no memory limit at all', async () => {
    // The evidence behind the refusal, from the same user's Podman (its own image store).
    // --user 0 (the user's own uid, mapped): its vfs store leaves the image's / mode 0700.
    const image = await ensureTestImage();
    const load = await tryRunCommand(
      'bash',
      [
        '-c',
        'su "$2" -s /bin/sh -c "cd ~ && podman image exists $1" || docker save -- "$1" | su "$2" -s /bin/sh -c "cd ~ && podman load -q"',
        'load',
        image,
        ROOTLESS_USER,
      ],
      { timeoutMs: 300_000 },
    );
    expect(load.exitCode, load.stderr).toBe(0);
    const run = await tryRunCommand(
      'su',
      [
        ROOTLESS_USER,
        '-s',
        '/bin/sh',
        '-c',
        `cd ~ && podman run --rm --network none --runtime runc --user 0 --memory 64m --pids-limit 50 ${image} /bin/cat /sys/fs/cgroup/memory/memory.limit_in_bytes`,
      ],
      { timeoutMs: 120_000 },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/Resource limits are not supported and ignored on cgroups V1 rootless/);
    expect(Number(run.stdout.trim())).toBeGreaterThan(64 * 1024 * 1024 * 1024);
  }, 400_000);

  it('`airlock run --engine podman` exits 2 with ENGINE_LIMITS_UNENFORCED, naming the socket and what to use', async () => {
    const r = await cli('run', 'hog.py', '--engine', 'podman', '--policy', 'default');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^airlock: ENGINE_LIMITS_UNENFORCED: rootless Podman on a cgroup v1 host/m);
    expect(r.stderr).toContain(socket);
    expect(r.stderr).toMatch(/rootful Podman with user namespaces/);
    expect(r.stdout).not.toContain('ran unlimited');
  });

  it('`airlock gate` auto-detecting that Podman (no Docker default socket configured away) is refused too', async () => {
    // The policy names the engine here: auto-detection would pick Docker, which answers on this host.
    writeFileSync(join(ws, 'policy.yml'), 'version: 1\nextends: default\nsandbox:\n  engine: podman\n');
    const r = await cli('gate', 'hog.py', '--policy', './policy.yml', '--out', 'out');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^airlock: ENGINE_LIMITS_UNENFORCED: /m);
  });
});
