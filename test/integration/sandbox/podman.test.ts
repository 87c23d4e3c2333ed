import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { prepareSandboxEngine } from '../../../src/sandbox/engine-limits-check.js';
import { selectEngine, selectedEngine, useEngine } from '../../../src/sandbox/engine-select.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { ensurePodmanImage, podman } from '../../helpers/podman.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, lastJson, specFor } from './helpers.js';

/**
 * The sandbox on rootful Podman (scripts/setup.sh starts its service) through its
 * Docker-compatible API: the same hardened runs as on Docker, plus a user namespace per
 * container. Real engine, no skip: without Podman this file fails.
 */
const LABEL = 'org.airlock.it-podman';
const REPO = resolve(import.meta.dirname, '../../..');
const MiB = 1024 * 1024;
let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
  await ensurePodmanImage(image);
  const choice = await prepareSandboxEngine('podman', 'runc');
  expect(choice).toEqual({ kind: 'podman', socket: '/run/podman/podman.sock', how: 'requested' });
}, 600_000);

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
  useEngine({ kind: 'docker', socket: '/var/run/docker.sock', how: 'requested' });
  expect(process.env.DOCKER_HOST).toBeUndefined();
});

/** Host processes whose environment carries `marker`, with their host uids (real, effective, saved, fs). */
function hostProcessesWith(marker: string): { pid: number; uids: number[] }[] {
  const found: { pid: number; uids: number[] }[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      if (!readFileSync(`/proc/${pid}/environ`, 'latin1').includes(marker)) continue;
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const uids = (/^Uid:\s+(.*)$/m.exec(status)?.[1] ?? '').split(/\s+/).map(Number);
      found.push({ pid: Number(pid), uids });
    } catch {
      // gone, or not readable: not ours
    }
  }
  return found;
}

describe('the sandbox on rootful Podman with a user namespace per container', () => {
  it('selects Podman: the docker client and the Engine API both go to its socket', async () => {
    expect(selectedEngine()).toBe('podman');
    expect(process.env.DOCKER_HOST).toBe('unix:///run/podman/podman.sock');
  });

  it('uid 10001 in the container is an unprivileged, unshared host uid (read from the host /proc)', async () => {
    const marker = `AIRLOCK_UID_PROBE_${randomBytes(6).toString('hex')}`;
    const spec = specFor(
      image,
      LABEL,
      `import os, json, time
time.sleep(4)
print(json.dumps({"uid": os.getuid(), "uid_map": open("/proc/self/uid_map").read().split()}))`,
      { env: { [marker]: '1' } },
    );
    const run = runHardened(spec);
    let seen: { pid: number; uids: number[] }[] = [];
    // Until both the keeper and the script are seen (the script starts after the keeper).
    for (let i = 0; i < 60 && new Set(seen.map((p) => p.uids[0])).size < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      seen = hostProcessesWith(`${marker}=1`);
    }
    const r = await run;
    expect(r.status, `${r.reason} ${r.stderr}`).toBe('success');
    const inside = lastJson<{ uid: number; uid_map: string[] }>(r.stdout);
    expect(inside.uid).toBe(10001);
    // Container uid 0 is host uid uid_map[1]: a range of the `containers` entry in /etc/subuid.
    const hostBase = Number(inside.uid_map[1]);
    expect(inside.uid_map[0]).toBe('0');
    // The range is the size Airlock asks for (auto:size=65536), not one Podman derived
    // from the image (bare `auto`, which also risks the 4.3.1 deadlock).
    expect(inside.uid_map[2]).toBe('65536');
    expect(hostBase).toBeGreaterThanOrEqual(1_000_000);
    // The script (uid 10001) and the keeper (65534) carry the container's environment.
    const script = hostBase + 10001;
    expect(seen.filter((p) => p.uids.every((u) => u === script)).length).toBeGreaterThan(0);
    for (const p of seen) expect([script, hostBase + 65534]).toContain(p.uids[0]);
    // Nobody on the host: no account has that uid.
    const passwdUids = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .map((l) => Number(l.split(':')[2]));
    expect(passwdUids).not.toContain(script);
    expect(script).not.toBe(10001);
  });

  it('memory limit enforced: a 200 MB allocation in 64 MiB is OOM-killed (status oom)', async () => {
    const r = await runHardened(
      specFor(image, LABEL, 'b = bytearray(200 * 1024 * 1024)\nprint("ESCAPED: allocated")', {
        // tmpfs pages count against memory: the scratch and output mounts must fit below it.
        limits: { memoryMb: 64, tmpfsMb: 8, outputMb: 8 },
      }),
    );
    expect(r.status, `${r.reason} ${r.stderr}`).toBe('oom');
    expect(r.stdout).not.toContain('ESCAPED');
    expect(r.peakMemoryBytes).toBeGreaterThan(32 * MiB);
    expect(r.peakMemoryBytes).toBeLessThanOrEqual(64 * MiB);
  });

  it('pids limit enforced: a fork bomb stops at the limit with EAGAIN', async () => {
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import os, json, time
n, err = 0, None
try:
    while n < 5000:
        if os.fork() == 0:
            time.sleep(30); os._exit(0)
        n += 1
except OSError as e:
    err = e.errno
print(json.dumps({"forked": n, "errno": err}))
os._exit(0)`,
        { limits: { pids: 50 } },
      ),
    );
    expect(r.status, `${r.reason} ${r.stderr}`).toBe('success');
    const out = lastJson<{ forked: number; errno: number }>(r.stdout);
    expect(out.errno).toBe(11); // EAGAIN
    expect(out.forked).toBeLessThan(50);
  });

  it('the hardening holds on Podman too: read-only root, no capabilities, no network, no new privileges', async () => {
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import json, socket
st = {l.split(":")[0]: l.split(":")[1].strip() for l in open("/proc/self/status") if ":" in l}
ro = False
try:
    open("/usr/airlock-probe", "w")
except OSError:
    ro = True
ifaces = sorted(n for _, n in socket.if_nameindex())
print(json.dumps({"capeff": st["CapEff"], "nnp": st["NoNewPrivs"], "ro": ro, "ifaces": ifaces}))`,
      ),
    );
    expect(r.status, `${r.reason} ${r.stderr}`).toBe('success');
    expect(lastJson(r.stdout)).toEqual({ capeff: '0000000000000000', nnp: '1', ro: true, ifaces: ['lo'] });
  });

  it('runsc asked of Podman is refused (its compat API would silently run runc)', async () => {
    await expect(prepareSandboxEngine('podman', 'runsc')).rejects.toMatchObject({
      code: 'ENGINE_RUNTIME_UNSUPPORTED',
    });
  });

  it('auto-detects: docker when both answer or DOCKER_HOST names one, podman when only Podman answers', async () => {
    const env = { CONTAINER_HOST: 'unix:///run/podman/podman.sock' };
    expect((await selectEngine(undefined, { ...env })).kind).toBe('docker');
    // A configured DOCKER_HOST is the user's choice, answering or not (Docker's own check reports it).
    const configured = { ...env, DOCKER_HOST: 'unix:///nonexistent/docker.sock' };
    expect((await selectEngine(undefined, configured)).kind).toBe('docker');
    // Docker's default socket absent: Podman is the one that answers.
    expect(await selectEngine(undefined, env, '/nonexistent/docker.sock')).toEqual({
      kind: 'podman',
      socket: '/run/podman/podman.sock',
      how: 'detected',
    });
  });

  it('a named Podman that does not answer, or a Docker socket named as Podman, is ENGINE_UNAVAILABLE', async () => {
    await expect(
      selectEngine('podman', { CONTAINER_HOST: 'unix:///nonexistent/podman.sock' }),
    ).rejects.toMatchObject({
      code: 'ENGINE_UNAVAILABLE',
      message: expect.stringContaining('/nonexistent/podman.sock'),
    });
    await expect(
      selectEngine('podman', { CONTAINER_HOST: 'unix:///var/run/docker.sock' }),
    ).rejects.toMatchObject({ code: 'ENGINE_UNAVAILABLE' });
  });
});

describe('the gate on Podman, as a user runs it', () => {
  it('`airlock gate --engine podman`: both scanners and the script run on Podman; PASS', async () => {
    // The shipped policy's image (Bandit + Semgrep); scripts/setup.sh loads it into Podman.
    await ensurePodmanImage('airlock-sandbox:local');
    const ws = mkdtempSync(join(tmpdir(), 'airlock-podman-gate-'));
    chmodSync(ws, 0o755);
    mkdirSync(join(ws, 'g'), { mode: 0o755 });
    writeFileSync(join(ws, 'g', 'hi.py'), 'import os\nprint("uid", os.getuid())\n', { mode: 0o644 });
    const r = await tryRunCommand(
      join(REPO, 'node_modules/.bin/tsx'),
      [join(REPO, 'src/cli/index.ts'), 'gate', 'g', '--engine', 'podman', '--out', 'out'],
      { cwd: ws, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeoutMs: 300_000 },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain('engine: podman on /run/podman/podman.sock (requested; rootful');
    const report = JSON.parse(readFileSync(join(ws, 'out', 'report.json'), 'utf8'));
    expect(report.verdict).toBe('pass');
    expect(report.scripts[0].execution.status).toBe('success');
    expect(report.scripts[0].execution.stdout).toBe('uid 10001\n');
    rmSync(ws, { recursive: true, force: true });
  }, 400_000);
});

describe('Podman leaves nothing behind', () => {
  it('no container of this file is left in Podman', async () => {
    const r = await podman(['ps', '-a', '--filter', `label=${LABEL}`, '--format', '{{.Names}}']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.trim()).toBe('');
  });
});
