/**
 * Audit log throughput and memory, for the numbers in issue 8 (1,000,000 entries):
 *
 *   node --import tsx bench/audit.ts [--entries N] [--dir DIR] [--keep]
 *   npm run bench -- --only audit        (the same, for 10^4, 10^5 and 10^6 entries)
 *
 * What is measured:
 * 1. append: N entries of a realistic size (a scan result: path, SHA-256, level, rule
 *    ids) through the real writer (`openAuditLog` + `append`, one awaited call per entry,
 *    the writer's own encode, self-check, O_APPEND write, chain hash and Merkle update),
 *    without per-entry fsync (one fsync at close; rotation off so the log is one file),
 *    then 2,000 more into a second log with fsync per entry (the writer's default) to
 *    show that cost separately. The log the verifier reads is this real log, not one
 *    synthesised by other code.
 * 2. verify: the log, in a fresh child process (so its peak RSS is the verifier's own,
 *    not the appender's), with the signature and strict mode, as `airlock audit verify
 *    --strict` does.
 * Prints entries/s (wall and per CPU second), MiB/s and peak RSS as JSON.
 */
import { spawnSync } from 'node:child_process';
import { hash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateAuditKeyPair } from '../src/audit/keys.js';
import { verifyAuditLog } from '../src/audit/verify.js';
import { openAuditLog } from '../src/audit/writer.js';

const ORIGIN = 'github.com/acme/app/airlock-audit';
const { values } = parseArgs({
  options: {
    entries: { type: 'string', default: '1000000' },
    dir: { type: 'string' },
    keep: { type: 'boolean', default: false },
    'verify-only': { type: 'string' },
    'public-key': { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  process.stdout.write(
    'usage: node --import tsx bench/audit.ts [--entries N (default 1000000)] [--dir DIR] [--keep]\n' +
      'Appends N entries through the real writer, then verifies them in a child process; prints JSON.\n',
  );
  process.exit(0);
}

const mb = (bytes: number) => bytes / 1024 / 1024;
const round = (n: number) => Math.round(n * 10) / 10;

if (values['verify-only']) {
  // Child mode: verify and report this process's own peak RSS.
  const log = values['verify-only'];
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const r = await verifyAuditLog({
    log,
    publicKeyPem: readFileSync(values['public-key']!, 'utf8'),
    strict: true,
  });
  const seconds = (performance.now() - t) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  process.stdout.write(
    `${JSON.stringify({ entries: r.entries, seconds, cpuSeconds, maxRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
  );
  process.exit(0);
}

const n = Number(values.entries);
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'airlock-audit-bench-'));
mkdirSync(dir, { recursive: true });
const log = join(dir, 'audit.jsonl');
const keys = generateAuditKeyPair();
const pubFile = join(dir, 'public.pem');
writeFileSync(pubFile, keys.publicPem);

function event(i: number) {
  return {
    path: `analysis/generated/script_${i}.py`,
    sha256: hash('sha256', String(i), 'hex'),
    level: i % 5 === 0 ? 'high' : 'low',
    ruleIds: ['B602', 'python.lang.security.audit.subprocess-shell-true'],
  };
}

// 1. Append, no per-entry fsync (rotation off so the whole log is one file to measure).
const rotation = {
  maxSegmentBytes: Number.MAX_SAFE_INTEGER,
  maxSegmentAgeMs: Number.MAX_SAFE_INTEGER,
  retentionDays: 0,
};
let t = performance.now();
const appendCpu0 = process.cpuUsage();
const w = await openAuditLog({
  log,
  origin: ORIGIN,
  signingKeyPem: keys.privatePem,
  syncEachAppend: false,
  rotation,
});
for (let i = 0; i < n; i++) await w.append('script.scan', event(i));
await w.close();
const appendSeconds = (performance.now() - t) / 1000;
const appendCpu = process.cpuUsage(appendCpu0);
const appendCpuSeconds = (appendCpu.user + appendCpu.system) / 1e6;
const bytes = statSync(log).size;

// 1b. fsync per entry (the default), a sample.
const sample = 2000;
t = performance.now();
// Its own directory: a directory holds one log (`checkpoint` sits beside it).
mkdirSync(join(dir, 'fsync'));
const ws = await openAuditLog({
  log: join(dir, 'fsync', 'audit.jsonl'),
  origin: ORIGIN,
  signingKeyPem: keys.privatePem,
  rotation,
});
for (let i = 0; i < sample; i++) await ws.append('script.scan', event(i));
await ws.close();
const fsyncSeconds = (performance.now() - t) / 1000;

// 2. Verify in a child process. Bundled to plain JavaScript first (as the shipped
// dist/ is), so the figures are the verifier's and not tsx's loader thread and wrappers;
// esbuild comes with tsx. Falls back to running under tsx if bundling fails.
let runner = 'node (esbuild bundle)';
let verifyArgv: string[];
try {
  const { build } = await import('esbuild');
  const bundle = join(dir, 'bench-audit.mjs');
  await build({
    entryPoints: [new URL(import.meta.url).pathname],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outfile: bundle,
    logLevel: 'silent',
  });
  verifyArgv = [bundle];
} catch {
  runner = 'node --import tsx';
  verifyArgv = ['--import', 'tsx', new URL(import.meta.url).pathname];
}
const child = spawnSync(process.execPath, [...verifyArgv, '--verify-only', log, '--public-key', pubFile], {
  encoding: 'utf8',
  maxBuffer: 1024 * 1024,
});
if (child.status !== 0) throw new Error(`verify failed: ${child.stderr}`);
const v = JSON.parse(child.stdout) as {
  entries: number;
  seconds: number;
  cpuSeconds: number;
  maxRssBytes: number;
};
if (v.entries !== n) throw new Error(`verified ${v.entries} entries, expected ${n}`);

// Baselines: the RSS of an idle node (and node + tsx) process, to separate the verifier's own use.
const idleRss = (argv: string[]) =>
  Number(
    spawnSync(
      process.execPath,
      [...argv, '-e', 'process.stdout.write(String(process.resourceUsage().maxRSS * 1024))'],
      {
        encoding: 'utf8',
      },
    ).stdout,
  );
const idleNode = idleRss([]);
const idleTsx = idleRss(['--import', 'tsx']);
const loadAverage = loadavg()[0]!;

process.stdout.write(
  `${JSON.stringify(
    {
      entries: n,
      // Rates are wall-clock and CPU time; both depend on what else runs on the machine.
      loadAverage1m: round(loadAverage),
      logMiB: round(mb(bytes)),
      bytesPerEntry: Math.round(bytes / n),
      append: {
        seconds: round(appendSeconds),
        entriesPerSecond: Math.round(n / appendSeconds),
        mibPerSecond: round(mb(bytes) / appendSeconds),
        peakRssMiB: round(mb(process.resourceUsage().maxRSS * 1024)),
        // CPU time as well: on a shared, loaded machine wall-clock rates understate the code's speed.
        cpuSeconds: round(appendCpuSeconds),
        entriesPerCpuSecond: Math.round(n / appendCpuSeconds),
      },
      appendWithFsyncEachEntry: { entries: sample, entriesPerSecond: Math.round(sample / fsyncSeconds) },
      verify: {
        seconds: round(v.seconds),
        entriesPerSecond: Math.round(v.entries / v.seconds),
        mibPerSecond: round(mb(bytes) / v.seconds),
        peakRssMiB: round(mb(v.maxRssBytes)),
        idleNodeTsxRssMiB: round(mb(idleTsx)),
        idleNodeRssMiB: round(mb(idleNode)),
        runner,
        cpuSeconds: round(v.cpuSeconds),
        entriesPerCpuSecond: Math.round(v.entries / v.cpuSeconds),
        mibPerCpuSecond: round(mb(bytes) / v.cpuSeconds),
      },
    },
    null,
    2,
  )}\n`,
);
if (!values.keep && !values.dir) rmSync(dir, { recursive: true, force: true });
