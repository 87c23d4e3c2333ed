import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultEngine } from '../../../src/sandbox/docker-engine.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, lastJson, specFor } from './helpers.js';

const LABEL = 'org.airlock.it-runsc';
let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
  // Not a skip: CI registers runsc (scripts/setup.sh); without it this suite must fail.
  expect(await defaultEngine().runtimes()).toContain('runsc');
});

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

describe('gVisor (runsc) runtime', () => {
  it('runs a script for real inside gVisor, with the same hardening and artifacts', async () => {
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import os, json, platform
open(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "x.txt"), "w").write("hi")
status = dict(l.split(":", 1) for l in open("/proc/self/status").read().splitlines() if ":" in l)
print(json.dumps({"uid": os.getuid(), "release": platform.release(), "capeff": status["CapEff"].strip()}))`,
        { runtime: 'runsc', collect: true },
      ),
    );
    expect(r.status, r.stderr).toBe('success');
    expect(r.runtime).toBe('runsc');
    const seen = lastJson<{ uid: number; release: string; capeff: string }>(r.stdout);
    expect(seen.uid).toBe(10001);
    // gVisor's Sentry reports its own fixed kernel release, not the host's.
    expect(seen.release).toBe('4.4.0');
    expect(seen.capeff).toBe('0000000000000000');
    expect(r.artifacts.map((a) => a.path)).toEqual(['x.txt']);
  });

  it('a process that outlives the script cannot add to the artifacts: stopped before the copy, the output refused (issue 21 item 13)', async () => {
    // The script writes a.txt and exits; its forked child keeps appending to it and
    // adding files for 20 s. Without the stop the copy took a.txt with the late lines
    // and late-N.txt files as the script's output.
    const started = Date.now();
    const r = await runHardened(
      specFor(
        image,
        LABEL,
        `import os, time
out = os.environ["AIRLOCK_OUTPUT_DIR"]
open(out + "/a.txt", "w").write("script\\n")
if os.fork() == 0:
    os.setsid()
    n = os.open("/dev/null", os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(n, fd)
    for i in range(400):
        time.sleep(0.05)
        with open(out + "/a.txt", "a") as f:
            f.write("late %d\\n" % i)
        open(out + "/late-%d.txt" % i, "w").write("x")
    os._exit(0)
print("script done", flush=True)`,
        // The restricted profile's 64 pids: under runsc they bound the guest's tasks and
        // the host limit adds gVisor's own threads (src/sandbox/runsc-pids.ts).
        { runtime: 'runsc', collect: true },
      ),
    );
    expect([r.status, r.stdout.trim()]).toEqual(['success', 'script done']);
    expect(r.artifacts).toEqual([]);
    expect(r.reason).toContain('1 process of the sandbox user outlived the script');
    // Bounded: the run does not wait for the writer's 20 s, nor wedge gVisor.
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('an OOM under gVisor (which ends the whole sandbox) is classified oom, not a hang', async () => {
    const started = Date.now();
    const r = await runHardened(
      specFor(image, LABEL, 'b = bytearray(512 * 1024 * 1024)\nprint("survived")', {
        runtime: 'runsc',
        limits: { memoryMb: 96, tmpfsMb: 16, outputMb: 16, timeoutSeconds: 120 },
      }),
    );
    expect(r.status).toBe('oom');
    expect(Date.now() - started).toBeLessThan(60_000);
  });
});
