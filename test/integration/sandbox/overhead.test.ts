import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { renderRunArgv } from '../../../src/sandbox/render-run-argv.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import type { SandboxRuntime } from '../../../src/sandbox/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, outDir, specFor } from './helpers.js';

/**
 * Measures what one hardened run of a trivial script costs, for docs/hardening.md:
 * host python3 vs runHardened (runc, runsc, with and without copy-out) vs the rejected
 * alternative, one `docker run --rm` with the same flags. Prints a table; asserts only
 * what must hold whatever the machine's load (success, and the order of magnitude).
 */
const LABEL = 'org.airlock.it-overhead';
const N = Number(process.env.AIRLOCK_BENCH_N ?? 10);
const TRIVIAL = 'print("ok")\n';

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timeIt(n: number, fn: () => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return out;
}

describe('overhead of one hardened run', () => {
  it(`median of ${N} runs: host python3 vs hardened runc/runsc vs single docker run --rm`, async () => {
    const image = await ensureTestImage();
    const host = await timeIt(N, async () => {
      execFileSync('python3', ['-c', TRIVIAL]);
    });
    const hardened = async (runtime: SandboxRuntime, collect: boolean) =>
      timeIt(N, async () => {
        const r = await runHardened(specFor(image, LABEL, TRIVIAL, { runtime, collect }));
        expect(r.status, r.reason).toBe('success');
      });
    const runc = await hardened('runc', false);
    const runcCollect = await hardened('runc', true);
    const runsc = await hardened('runsc', true);
    // The alternative: one `docker run --rm`, same flags, output on an unbounded bind mount.
    const single = await timeIt(N, async () => {
      const spec = specFor(image, LABEL, TRIVIAL);
      const args = renderRunArgv(
        containerSpecFor(spec, {
          name: `airlock-bench-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
          runId: 'bench',
          ownerPid: process.pid,
          ownerStart: '0',
          ownerHost: os.hostname(),
        }),
      );
      const keep = args.slice(0, args.indexOf('--user'));
      const r = await tryRunCommand('docker', [
        ...keep.filter((a) => a !== '--detach'),
        '--rm',
        '--mount',
        `type=bind,source=${outDir().replace(/\/out$/, '')},target=/out2`,
        '--user',
        '10001:10001',
        image,
        'python3',
        'script.py',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
    });
    const rows = [
      ['host python3', host],
      ['hardened runc (no copy-out)', runc],
      ['hardened runc (+ output copy-out)', runcCollect],
      ['hardened runsc (+ output copy-out)', runsc],
      ['single docker run --rm, runc (rejected)', single],
    ] as const;
    const base = median(host);
    console.log(
      `load average ${os
        .loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}, ${os.availableParallelism()} CPUs, N=${N}`,
    );
    for (const [name, xs] of rows) {
      console.log(
        `${name.padEnd(42)} median ${median(xs).toFixed(0).padStart(5)} ms   added ${(median(xs) - base).toFixed(0).padStart(5)} ms`,
      );
    }
    expect(median(runc)).toBeLessThan(15_000);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });
});
