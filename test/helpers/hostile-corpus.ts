import { readFileSync } from 'node:fs';
import { chmod, copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import type { ExecutionStatus } from '../../src/report/types.js';
import type { SandboxLimits } from '../../src/sandbox/types.js';

/**
 * The hostile corpus (test/hostile/manifest.json): every case, what it attacks and
 * the outcome Airlock must produce. Validated strictly so a typo in an expectation
 * cannot turn a check off silently.
 */
export const HOSTILE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../hostile');

/**
 * A string the test writes into host files outside the script directory (the
 * workspace's .git/config, a sibling file). Scripts build it from two halves so their
 * own source never contains it; finding it whole inside the sandbox is an escape.
 */
export const HOST_MARKER = 'AIRLOCK-HOST-MARKER-7f3a';

/** The fake runner secret put into Airlock's own environment; it must never reach a script. */
export const FAKE_SECRET = 'ghs_hostileCorpusFakeToken0123456789abcdef';

/**
 * Small limits so the corpus runs fast on 2 shared cores: every hostile script hits
 * its limit in seconds. The numbers are far below the shipped profiles, and the
 * scripts' ESCAPED thresholds (2 GiB, 1 GiB, 2,000 processes...) far above them.
 */
export const HOSTILE_LIMITS: SandboxLimits = {
  timeoutSeconds: 6,
  memoryMb: 128,
  cpus: 0.5,
  pids: 64,
  // 4 x 24 + 24 = 120 MiB of tmpfs (with /dev/shm) stays below memoryMb (the memory rule).
  tmpfsMb: 24,
  outputMb: 24,
  nofile: 128,
  fsizeMb: 8,
  maxOutputBytes: 64 * 1024,
  maxArtifacts: 50,
};

const STATUSES = ['success', 'failure', 'timeout', 'oom', 'error'] as const;
const LEVELS = ['low', 'high', 'blocked'] as const;
const CHECKS = [
  'host-responsive',
  'artifacts-bounded',
  'artifacts-capped',
  'killed-on-time',
  'no-orphan-process',
  'stdout-capped',
  'stderr-capped',
  'runner-memory-flat',
  'no-host-connection',
  'symlinks-outside',
  'workdir-unchanged',
  'runs-twice',
] as const;
export type RuntimeCheck = (typeof CHECKS)[number];

const RuntimeEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  file: z.string().regex(/^[a-z]+\/[a-z0-9_]+\.py$/),
  class: z.enum(['resource', 'escape', 'evasion']),
  attack: z.string().min(1),
  /** Acceptable levels from the real scan (Debian Bandit 1.6.2, default policy). */
  scan: z.array(z.enum(LEVELS)).min(1),
  run: z.strictObject({
    status: z.array(z.enum(STATUSES)).min(1),
    /**
     * Under gVisor, exhausting the pids or memory cgroup ends the whole sandbox
     * (docs/hardening.md): contained, but the status is `error`/`oom`, not the script's own.
     */
    statusRunsc: z.array(z.enum(STATUSES)).min(1).optional(),
    checks: z.array(z.enum(CHECKS)).optional(),
    /** Default true: a successful run must print CONTAINED, proof the attack was tried. */
    requireContainedMarker: z.boolean().optional(),
    runs: z.number().int().min(1).max(3).optional(),
  }),
  extraFiles: z.array(z.string()).optional(),
});
export type RuntimeEntry = z.infer<typeof RuntimeEntry>;

const Decision = z.enum(['executed', 'blocked', 'skipped', 'absent']);
const GeneratedEntry = z.strictObject({
  id: z.string().regex(/^[a-z0-9-]+$/),
  class: z.literal('names'),
  attack: z.string().min(1),
  generate: z.strictObject({
    name: z.string().min(1).optional(),
    /** Raw bytes of a name that is not valid UTF-8. */
    nameHex: z
      .string()
      .regex(/^([0-9a-f]{2})+$/)
      .optional(),
    body: z.enum([
      'benign',
      'exec',
      'non-utf8',
      'binary',
      'syntax-error',
      'nested',
      '10mb',
      'symlink-outside',
    ]),
    /** The path handed to the gate instead of the workspace, e.g. a `../` escape. */
    pathArg: z.string().optional(),
    /** Needs its own gate run (it makes the whole run error, or must not share one). */
    alone: z.boolean().optional(),
  }),
  expect: z.strictObject({
    decision: z.union([Decision, z.array(Decision).min(1)]).optional(),
    /** The gate refuses the whole run with this UserError code (exit 2). */
    error: z.string().optional(),
    /** A scanner that crashes on the file fails the whole gate: also acceptable (fails closed). */
    orGateFails: z.boolean().optional(),
  }),
});
export type GeneratedEntry = z.infer<typeof GeneratedEntry>;

const Manifest = z.strictObject({
  $comment: z.string().optional(),
  entries: z.array(z.union([RuntimeEntry, GeneratedEntry])),
});

export function loadManifest(): { runtime: RuntimeEntry[]; generated: GeneratedEntry[] } {
  const parsed = Manifest.parse(JSON.parse(readFileSync(join(HOSTILE_DIR, 'manifest.json'), 'utf8')));
  const ids = new Set<string>();
  for (const e of parsed.entries) {
    if (ids.has(e.id)) throw new Error(`duplicate hostile case id ${e.id}`);
    ids.add(e.id);
  }
  return {
    runtime: parsed.entries.filter((e): e is RuntimeEntry => 'file' in e),
    generated: parsed.entries.filter((e): e is GeneratedEntry => 'generate' in e),
  };
}

export function expectedStatuses(e: RuntimeEntry, runtime: string): readonly ExecutionStatus[] {
  return (runtime === 'runsc' ? e.run.statusRunsc : undefined) ?? e.run.status;
}

/**
 * gVisor's pids cgroup counts the Sentry's own host threads, not guest processes
 * (docs/hardening.md): 64 ends the sandbox on the first subprocess. 256 still stops a
 * fork bomb (together with the memory limit) and lets ordinary subprocesses run.
 */
export const HOSTILE_LIMITS_RUNSC: SandboxLimits = { ...HOSTILE_LIMITS, pids: 256 };

/**
 * A private host layout for one runtime case:
 *   ws/.git/config       marker (what a script must not reach)
 *   ws/secret.txt        marker
 *   ws/other/notes.txt   marker
 *   ws/scripts/<script>  the work directory mounted read-only
 *   out/                 where the runner copies artifacts
 */
export interface StagedCase {
  root: string;
  workDir: string;
  outDir: string;
  scriptName: string;
  dispose(): Promise<void>;
}

export async function stageRuntimeCase(e: RuntimeEntry): Promise<StagedCase> {
  const root = await mkdtemp(join(tmpdir(), `airlock-hostile-${e.id}-`));
  const ws = join(root, 'ws');
  const workDir = join(ws, 'scripts');
  const outDir = join(root, 'out');
  await mkdir(join(ws, '.git'), { recursive: true });
  await mkdir(join(ws, 'other'), { recursive: true });
  await mkdir(workDir, { recursive: true });
  await mkdir(outDir, { recursive: true });
  const marker = `[remote "origin"]\n\turl = https://x-access-token:${HOST_MARKER}@github.com/o/r\n`;
  await writeFile(join(ws, '.git', 'config'), marker);
  await writeFile(join(ws, 'secret.txt'), `${HOST_MARKER}\n`);
  await writeFile(join(ws, 'other', 'notes.txt'), `${HOST_MARKER}\n`);
  const scriptName = basename(e.file);
  await copyFile(join(HOSTILE_DIR, e.file), join(workDir, scriptName));
  for (const extra of e.extraFiles ?? [])
    await copyFile(join(HOSTILE_DIR, extra), join(workDir, basename(extra)));
  if (e.run.checks?.includes('symlinks-outside')) {
    // What a pull request can commit: links out of the checkout, absolute and relative.
    await symlink(join(ws, 'secret.txt'), join(workDir, 'host_secret'));
    await symlink('../secret.txt', join(workDir, 'parent_secret'));
    await symlink('../.git/config', join(workDir, 'git_config'));
    await symlink('../../../../../../../../etc/hostname', join(workDir, 'deep_dotdot'));
  }
  // The container user (uid 10001) must be able to read the mounted directory.
  await chmod(root, 0o755);
  return { root, workDir, outDir, scriptName, dispose: () => rm(root, { recursive: true, force: true }) };
}

/** The body of a generated hostile-name case. */
export function generatedBody(body: GeneratedEntry['generate']['body']): Buffer {
  const read = (f: string) => readFileSync(join(HOSTILE_DIR, 'names', f));
  switch (body) {
    case 'benign':
      return read('benign_body.py');
    case 'exec':
      return read('exec_body.py');
    case 'syntax-error':
      return read('syntax_error.py');
    case 'non-utf8':
      // Latin-1 bytes: not UTF-8, and no coding cookie, so Python refuses the file.
      return Buffer.concat([Buffer.from('s = "caf'), Buffer.from([0xe9, 0xff]), Buffer.from('"\nexec(s)\n')]);
    case 'binary': {
      const b = Buffer.alloc(4096);
      for (let i = 0; i < b.length; i++) b[i] = (i * 131 + 7) % 256;
      return b;
    }
    case 'nested':
      // 100,000 levels: CPython's parser stops at 200 ("too many nested parentheses"),
      // other parsers recurse until their stack gives out. Under the 256 KiB file cap.
      return Buffer.from(`x = ${'('.repeat(100_000)}1${')'.repeat(100_000)}\n`);
    case '10mb':
      return Buffer.from(`# padding\n${'y = 1\n'.repeat((10 * 1024 * 1024) / 6)}`);
    case 'symlink-outside':
      throw new Error('symlink-outside is created by the caller, not written');
  }
}

/** The file name of a generated case as raw bytes (names may not be valid UTF-8). */
export function generatedName(e: GeneratedEntry): Buffer {
  if (e.generate.nameHex) return Buffer.from(e.generate.nameHex, 'hex');
  if (!e.generate.name) throw new Error(`${e.id}: neither name nor nameHex`);
  return Buffer.from(e.generate.name, 'utf8');
}
