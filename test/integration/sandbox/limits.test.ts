import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, lastJson, specFor } from './helpers.js';

// A label of this file's own, so other suites' containers do not disturb the leftovers check.
const LABEL = 'org.airlock.it-limits';
let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
});

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

const MiB = 1024 * 1024;

describe('runHardened against hostile scripts (real Docker, runc)', () => {
  it('runs a benign script as uid 10001 in /work, collects its artifact, reports peak memory', async () => {
    const spec = specFor(
      image,
      LABEL,
      `import os, json
with open(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "result.csv"), "w") as f:
    f.write("a,b\\n1,2\\n")
print(json.dumps({"uid": os.getuid(), "cwd": os.getcwd(), "home": os.environ["HOME"]}))`,
      { collect: true },
    );
    const r = await runHardened(spec);
    expect(r.status).toBe('success');
    expect(r.exitCode).toBe(0);
    expect(lastJson(r.stdout)).toEqual({ uid: 10001, cwd: '/work', home: '/tmp' });
    expect(r.peakMemoryBytes).toBeGreaterThan(1 * MiB);
    expect(r.artifacts).toEqual([
      { path: 'result.csv', bytes: 8, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) },
    ]);
    expect(readFileSync(path.join(spec.collectOutputTo!, 'result.csv'), 'utf8')).toBe('a,b\n1,2\n');
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });

  it('fork bomb: the pids limit stops it (EAGAIN), the host is unaffected', async () => {
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
        { limits: { pids: 32 } },
      ),
    );
    const seen = lastJson<{ forked: number; errno: number }>(r.stdout);
    expect(seen.errno).toBe(11); // EAGAIN
    expect(seen.forked).toBeLessThan(32);
    expect(r.status).toBe('success');
  });

  it('memory bomb: killed by the memory limit and classified oom (not just exit 137)', async () => {
    const r = await runHardened(
      specFor(image, LABEL, `b = bytearray(512 * 1024 * 1024)\nprint("survived")`, {
        // tmpfs 4 x 16 + output 16 stays below the 96 MiB limit (the memory rule).
        limits: { memoryMb: 96, tmpfsMb: 16, outputMb: 16 },
      }),
    );
    expect(r.status).toBe('oom');
    expect(r.stdout).not.toContain('survived');
    expect(r.peakMemoryBytes).toBeGreaterThan(80 * MiB);
    expect(r.peakMemoryBytes).toBeLessThanOrEqual(96 * MiB);
  });

  it('exit 137 by its own hand is a failure, not oom', async () => {
    const r = await runHardened(
      specFor(image, LABEL, `import os, signal\nos.kill(os.getpid(), signal.SIGKILL)`),
    );
    expect(r.exitCode).toBe(137);
    expect(r.status).toBe('failure');
  });

  it.each(['runc', 'runsc'] as const)(
    'a script that prints an engine error and exits 126 or 255 is a failure, never error (issue 21, item 12a; %s)',
    async (runtime) => {
      // Under runsc, exit 255 and the copy-out after a failing script once ended gVisor's
      // sandbox or waited ~120 s in WaitPID, while the host pids limit starved gVisor
      // (src/sandbox/runsc-pids.ts): both legs check all three codes and collect output.
      for (const code of [126, 127, 255]) {
        const r = await runHardened(
          specFor(
            image,
            LABEL,
            `import sys\nsys.stderr.write("OCI runtime exec failed: exec failed: unable to start container process\\nError response from daemon: urpc method containerManager.WaitPID failed: EOF\\nerror during connect: x\\n")\nsys.exit(${code})\n`,
            { runtime, collect: true },
          ),
        );
        expect(r.stderr).toContain('OCI runtime exec failed');
        expect([r.status, r.exitCode, r.reason]).toEqual(['failure', code, `exit code ${code}`]);
      }
    },
  );

  it('disk fill: /tmp and the output dir stop at their size, one file stops at fsize', async () => {
    const spec = specFor(
      image,
      LABEL,
      `import os, json, errno
def fill(d, chunk=1024*1024):
    total, i, err = 0, 0, None
    try:
        while True:
            with open(os.path.join(d, "fill%d" % i), "wb") as f:
                for _ in range(4):
                    f.write(b"x" * chunk); f.flush(); total += chunk
            i += 1
    except OSError as e:
        err = errno.errorcode.get(e.errno)
    return total, err
t, terr = fill("/tmp")
for n in os.listdir("/tmp"): os.remove(os.path.join("/tmp", n))
o, oerr = fill(os.environ["AIRLOCK_OUTPUT_DIR"])
big_err = None
try:
    with open("/var/tmp/big", "wb") as f:
        for _ in range(40): f.write(b"y" * 1024 * 1024); f.flush()
except OSError as e:
    big_err = errno.errorcode.get(e.errno)
print(json.dumps({"tmp": t, "tmp_err": terr, "out": o, "out_err": oerr, "big_err": big_err}))`,
      { limits: { tmpfsMb: 16, outputMb: 24, fsizeMb: 8, memoryMb: 256, maxArtifacts: 100 }, collect: true },
    );
    const r = await runHardened(spec);
    expect(r.status).toBe('success');
    const seen = lastJson<Record<string, string | number>>(r.stdout);
    expect(seen.tmp_err).toBe('ENOSPC');
    expect(seen.tmp).toBeLessThanOrEqual(16 * MiB);
    expect(seen.out_err).toBe('ENOSPC');
    expect(seen.out).toBeLessThanOrEqual(24 * MiB);
    expect(seen.big_err).toBe('EFBIG');
    const collected = r.artifacts.reduce((s, a) => s + a.bytes, 0);
    expect(collected).toBeLessThanOrEqual(24 * MiB);
    expect(collected).toBeGreaterThan(16 * MiB);
  });

  it('infinite loop: timeout kills it, the container is gone right after', async () => {
    const started = Date.now();
    const r = await runHardened(
      specFor(image, LABEL, 'while True:\n    pass', { limits: { timeoutSeconds: 3 } }),
    );
    expect(r.status).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });

  it('output flood of 1 GiB: capped, flagged, counted, hashed, and our memory stays bounded', async () => {
    const before = process.memoryUsage().rss;
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import sys
b = b"A" * (1024 * 1024)
for _ in range(1024):
    sys.stdout.buffer.write(b)
sys.stderr.write("done\\n")`,
        { limits: { maxOutputBytes: 64 * 1024, timeoutSeconds: 240 } },
      ),
    );
    const grown = process.memoryUsage().rss - before;
    expect(r.status).toBe('success');
    expect(r.stdoutTruncated).toBe(true);
    expect(r.stdoutBytes).toBe(1024 * MiB);
    expect(r.stdout.length).toBe(64 * 1024);
    expect(r.stdoutSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.stderr).toBe('done\n');
    expect(grown).toBeLessThan(200 * MiB);
  });

  it('network: TCP, UDP, DNS, IPv6 and the Docker socket are all unreachable', async () => {
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import socket, json, os
def attempt(fn):
    try:
        fn(); return "connected"
    except OSError as e:
        return type(e).__name__
def tcp(): socket.create_connection(("1.1.1.1", 53), timeout=3)
def gw(): socket.create_connection(("172.17.0.1", 2375), timeout=3)
def udp():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(3)
    s.sendto(b"x", ("8.8.8.8", 53)); s.recvfrom(10)
def dns(): socket.getaddrinfo("deb.debian.org", 80)
def v6(): socket.create_connection(("2001:4860:4860::8888", 53), timeout=3)
print(json.dumps({"tcp": attempt(tcp), "gateway": attempt(gw), "udp": attempt(udp), "dns": attempt(dns),
  "ipv6": attempt(v6), "docker_sock": os.path.exists("/var/run/docker.sock") or os.path.exists("/run/docker.sock"),
  "ifaces": sorted(n for _, n in socket.if_nameindex())}))`,
      ),
    );
    const seen = lastJson<Record<string, unknown>>(r.stdout);
    for (const k of ['tcp', 'gateway', 'udp', 'dns', 'ipv6']) expect(seen[k], k).not.toBe('connected');
    expect(seen.docker_sock).toBe(false);
    expect(seen.ifaces).toEqual(['lo']);
  });

  it('writes outside the output dir fail: /work, /, /etc, /usr are read-only', async () => {
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import json, errno
res = {}
for p in ["/work/x", "/x", "/etc/x", "/usr/x", "/work/script.py"]:
    try:
        open(p, "a").write("x"); res[p] = "written"
    except OSError as e:
        res[p] = errno.errorcode.get(e.errno)
print(json.dumps(res))`,
      ),
    );
    const seen = lastJson<Record<string, string>>(r.stdout);
    for (const [p, v] of Object.entries(seen)) expect(['EROFS', 'EACCES'], p).toContain(v);
    expect(Object.keys(seen)).toHaveLength(5);
  });

  it("env leak: a secret in the runner's environment is not visible inside", async () => {
    const secret = `ghs_fake_${Date.now()}`;
    process.env.AIRLOCK_IT_FAKE_TOKEN = secret;
    process.env.GITHUB_TOKEN = secret;
    try {
      const r = await runHardened(
        specFor(image, LABEL, `import os, json\nprint(json.dumps(dict(os.environ)))`, { env: { SEED: '1' } }),
      );
      expect(r.stdout).not.toContain(secret);
      const env = lastJson<Record<string, string>>(r.stdout);
      expect(env.AIRLOCK_OUTPUT_DIR).toBe('/out');
      expect(env.SEED).toBe('1');
      expect(env.GITHUB_TOKEN).toBeUndefined();
    } finally {
      delete process.env.AIRLOCK_IT_FAKE_TOKEN;
      delete process.env.GITHUB_TOKEN;
    }
  });

  it('a missing image is an error whose reason says how to fix it', async () => {
    const r = await runHardened(specFor('airlock-no-such-image:never', LABEL, 'print(1)'));
    expect(r.status).toBe('error');
    expect(r.reason).toMatch(/airlock image build/);
  });
});
