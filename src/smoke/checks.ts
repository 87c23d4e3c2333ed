import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { ImageFlavor } from '../image/flavor.js';
import type { ExecutionResult } from '../report/types.js';
import { FLAVOR_CHECKS } from './flavor-checks.js';
import { type CheckOutcome, claimOf, runFailure, type SmokeCheck, selfReported } from './judge.js';

export type { CheckOutcome, CheckStatus, SmokeCheck, SmokeContext } from './judge.js';

/**
 * The smoke checks: each runs one script of images/smoke/ under the same hardened
 * flags as a gated script (through runHardened) and is judged here, on the host.
 * A check's own claim is never enough where there is something to verify: produced
 * files are checked by their bytes, an OOM by the runner's classification, a secret's
 * absence by searching what the container printed.
 */
const MAGIC: Record<string, (b: Buffer) => boolean> = {
  png: (b) => b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  // Parquet starts and ends with "PAR1".
  parquet: (b) =>
    b.subarray(0, 4).toString('latin1') === 'PAR1' && b.subarray(-4).toString('latin1') === 'PAR1',
  svg: (b) => /<svg[\s>]/.test(b.subarray(0, 4096).toString('utf8')),
  graphml: (b) => b.subarray(0, 4096).toString('utf8').includes('<graphml'),
  csv: (b) => b.toString('utf8').startsWith('city,value\n'),
  // The executed copy holds the second cell's output: the kernel really ran it.
  ipynb: (b) => executedOutput(b).includes('notebook-sum 42'),
};

function executedOutput(b: Buffer): string {
  try {
    const nb = JSON.parse(b.toString('utf8')) as { cells?: { outputs?: { text?: unknown }[] }[] };
    return (nb.cells ?? []).flatMap((c) => (c.outputs ?? []).map((o) => String(o.text ?? ''))).join('');
  } catch {
    return '';
  }
}

/** Self-reported pass AND the named artifact really came out, with the right bytes. */
function producesFile(file: string, kind: keyof typeof MAGIC, minBytes: number) {
  return async (r: ExecutionResult, outDir: string): Promise<CheckOutcome> => {
    const own = await selfReported(r);
    if (own.status !== 'pass') return own;
    const art = r.artifacts.find((a) => a.path === file);
    if (!art) return { status: 'fail', detail: `${file} was not collected from the output directory` };
    const bytes = await readFile(path.join(outDir, file));
    if (bytes.length < minBytes || !MAGIC[kind]!(bytes)) {
      return { status: 'fail', detail: `${file} is not a valid ${kind} (${bytes.length} bytes)` };
    }
    return {
      status: 'pass',
      detail: `${own.detail}; ${file}: ${kind}, ${art.bytes} bytes, sha256 ${art.sha256.slice(0, 12)}`,
    };
  };
}

/** Names the container may see: the image's ENV, ours (sandboxEnv) and what Python adds. */
const ALLOWED_ENV = new Set([
  'PATH',
  'HOME',
  'HOSTNAME',
  'LANG',
  'TMPDIR',
  'AIRLOCK_OUTPUT_DIR',
  'MPLBACKEND',
  'MPLCONFIGDIR',
  'XDG_CACHE_HOME',
  'XDG_CONFIG_HOME',
  'PYTHONDONTWRITEBYTECODE',
  'PYTHONUNBUFFERED',
  'LC_CTYPE',
  // The image's own, so the scanner never phones home (no network to do it with anyway).
  'SEMGREP_ENABLE_VERSION_CHECK',
  'SEMGREP_SEND_METRICS',
]);

export const SMOKE_MEMORY_BOMB_MB = 128;
export const SMOKE_PIDS = 64;
export const SMOKE_TMPFS_MB = 16;

export const SMOKE_CHECKS: SmokeCheck[] = [
  { name: 'python-version', args: ['python_version.py'], judge: selfReported },
  { name: 'imports', args: ['imports.py'], judge: selfReported },
  { name: 'matplotlib-png', args: ['matplotlib_png.py'], judge: producesFile('plot.png', 'png', 1000) },
  {
    name: 'networkx-graph',
    args: ['networkx_graph.py'],
    judge: producesFile('graph.graphml', 'graphml', 500),
  },
  { name: 'pandas-dataframe', args: ['pandas_frame.py'], judge: producesFile('summary.csv', 'csv', 10) },
  {
    name: 'polars-dataframe',
    args: ['polars_frame.py'],
    judge: producesFile('frame.parquet', 'parquet', 12),
  },
  { name: 'graphviz-render', args: ['graphviz_render.py'], judge: producesFile('graph.png', 'png', 500) },
  {
    name: 'notebook-run',
    args: ['notebook_run.py'],
    // A kernel's start-up on a loaded runner; the runner itself allows 240 s.
    limits: { timeoutSeconds: 300 },
    judge: producesFile('smoke.ipynb', 'ipynb', 100),
  },
  {
    name: 'mermaid-render',
    args: ['mermaid_render.py'],
    flavors: ['full'],
    limits: { timeoutSeconds: 300 },
    async judge(r, outDir, ctx) {
      const v = await producesFile('diagram.svg', 'svg', 200)(r, outDir);
      if (v.status === 'fail' && ctx.runtime === 'runsc' && /stopped/.test(r.reason ?? '')) {
        // Under gVisor the host pids cgroup counts the Sentry's threads, not Chromium's:
        // with the host limit at the profile's 256 the sandbox ended. With runsc-pids.ts's
        // rendering (host 256 + 8 x pids, nproc = pids) it renders at the standard 256
        // (3 of 3 runs, 2026-12-07); a sandbox that still ends points at the pids again.
        return {
          status: 'fail',
          detail: `${v.detail}; under runsc the sandbox ended while Chromium ran: raise the profile's pids`,
        };
      }
      return v;
    },
  },
  { name: 'not-root', args: ['not_root.py'], judge: selfReported },
  { name: 'capabilities-none', args: ['proc_status.py', 'capabilities'], judge: selfReported },
  { name: 'no-new-privileges', args: ['proc_status.py', 'no_new_privs'], judge: selfReported },
  {
    name: 'seccomp-filter',
    args: ['proc_status.py', 'seccomp'],
    async judge(r, _out, ctx) {
      const own = await selfReported(r);
      if (ctx.runtime === 'runsc' && own.status === 'fail') {
        // Under gVisor the script's syscalls go to the Sentry (itself seccomp-confined on
        // the host); Docker's profile is not applied inside the guest, so mode 2 cannot
        // be shown from in here. Honest: unavailable, not pass.
        return {
          status: 'unavailable',
          detail: `gVisor: ${own.detail}; the Sentry is filtered on the host instead`,
        };
      }
      return own;
    },
  },
  { name: 'readonly-rootfs', args: ['readonly_fs.py'], judge: selfReported },
  { name: 'no-network', args: ['no_network.py'], judge: selfReported },
  {
    name: 'pids-limit',
    args: ['fork_bomb.py', String(SMOKE_PIDS)],
    limits: { pids: SMOKE_PIDS },
    async judge(r, _out, ctx) {
      if (ctx.runtime === 'runsc' && r.status === 'error' && /stopped/.test(r.reason ?? '')) {
        // gVisor: guest processes are not host processes, but the Sentry's host threads
        // count against the same pids cgroup; when the bomb exhausts it, the whole
        // sandbox ends. Contained (nothing of the host was reached), and reported as such.
        return {
          status: 'pass',
          detail: 'gVisor: the fork bomb exhausted the pids limit and the sandbox ended (contained)',
        };
      }
      return selfReported(r);
    },
  },
  {
    name: 'memory-limit',
    args: ['memory_bomb.py', String(SMOKE_MEMORY_BOMB_MB * 4)],
    // Small tmpfs mounts, so they fit below the small memory limit (3 x tmpfs + shm + output < memory).
    limits: { memoryMb: SMOKE_MEMORY_BOMB_MB, tmpfsMb: 16, outputMb: 16 },
    async judge(r) {
      if (r.status === 'oom') {
        const peak = r.peakMemoryBytes === null ? 'n/a' : `${Math.round(r.peakMemoryBytes / 1048576)} MiB`;
        return {
          status: 'pass',
          detail: `killed by the ${SMOKE_MEMORY_BOMB_MB} MiB limit, classified oom (peak ${peak})`,
        };
      }
      // The run's reason too: an `error` with no output says nothing without it.
      const why = r.reason ? ` (${r.reason.slice(0, 300)})` : '';
      return {
        status: 'fail',
        detail: `expected oom, got ${r.status}${why}: ${r.stdout.trim().slice(-200)}`,
      };
    },
  },
  {
    name: 'tmpfs-limit',
    args: ['tmpfs_fill.py', String(SMOKE_TMPFS_MB)],
    limits: { tmpfsMb: SMOKE_TMPFS_MB },
    judge: selfReported,
  },
  {
    name: 'no-runner-secrets',
    args: ['env_secret.py'],
    async judge(r, _out, ctx) {
      if (r.status !== 'success') return runFailure(r);
      const seen = `${r.stdout}\n${r.stderr}`;
      if (seen.includes(ctx.fakeSecret))
        return { status: 'fail', detail: 'the fake runner secret is visible inside' };
      const env = claimOf(r)?.env;
      if (!env) return { status: 'fail', detail: 'no environment dump' };
      const extra = Object.keys(env).filter((k) => !ALLOWED_ENV.has(k));
      if (extra.length > 0)
        return { status: 'fail', detail: `unexpected variables inside: ${extra.join(', ')}` };
      return {
        status: 'pass',
        detail: `fake secret absent; ${Object.keys(env).length} variables, all expected; PID 1 environ: ${String(claimOf(r)?.pid1).slice(0, 60)}`,
      };
    },
  },
  { name: 'bandit', args: ['tool_version.py', 'bandit'], judge: selfReported },
  { name: 'semgrep', args: ['tool_version.py', 'semgrep'], judge: selfReported },
  ...FLAVOR_CHECKS,
];

/** The checks that apply to an image of this flavor. */
export function smokeChecksFor(flavor: ImageFlavor): SmokeCheck[] {
  return SMOKE_CHECKS.filter((c) => !c.flavors || c.flavors.includes(flavor));
}
