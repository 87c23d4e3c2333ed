import { join } from 'node:path';
import { cancelOnSignals, exitCodeFor } from '../../gate/cancel.js';
import { runGate } from '../../gate/pipeline.js';
import { UserError } from '../../errors.js';
import { resolvePolicyRef } from '../../policy/index.js';
import { missingScannerWarnings } from '../../report/scanner-warnings.js';
import {
  type GateMode,
  type GateSettings,
  defaultOrigin,
  insideWorkspace,
  parseFailOn,
  parseRuntime,
  readSigningKey,
} from '../../settings/gate-settings.js';
import { parseEngine } from '../../sandbox/engine-select.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand, CliIO } from '../command.js';

const GATE_USAGE = `Usage: airlock gate [PATH...] [options]

Discover, scan, assess, run the approved scripts in the hardened sandbox, record, report.
PATHs are files, directories or globs relative to the workspace (default: .).

Options:
  --policy F          policy file, or a shipped name: default, strict (./strict for a file)
  --sarif F           SARIF output (default: OUT/airlock.sarif)
  --report F          JSON report (default: OUT/report.json)
  --summary F         Markdown summary (the Action writes it to the job summary)
  --out DIR           output directory for artifacts and reports (default: .airlock/out)
  --audit-log F       append to this audit log (checkpoint written beside it)
  --signing-key F     Ed25519 private key (PEM) signing the checkpoint; or env AIRLOCK_SIGNING_KEY.
                      Without a key the log is still written and chained, its checkpoint unsigned
  --origin S          audit log origin (default: from GITHUB_REPOSITORY, or localhost/<dir>)
  --image REF         sandbox image (default: the policy's sandbox.image)
  --runtime R         runc or runsc (default: the policy's)
  --engine E          docker or podman (default: the policy's sandbox.engine, else the one
                      that answers; docker when both do). Podman: CONTAINER_HOST or
                      /run/podman/podman.sock
  --fail-on LIST      outcomes that fail the gate (default: the policy's failOn)
  --base REV --head REV   gate only the Python files changed in REV...REV (pull-request mode)

SIGINT/SIGTERM cancel the run: in-flight runs stop (status cancelled), their containers
and the staged copies are removed, the partial report and audit entry are written, and
the exit status is 128 + the signal number (130, 143).

Exit status: 0 pass, 1 the gate said no, 2 usage/configuration/environment error.`;

const SCAN_USAGE = `Usage: airlock scan [PATH...] [--policy F] [--sarif F] [--report F] [--summary F] [--out DIR]
       [--image REF] [--engine docker|podman] [--fail-on LIST] [--base REV --head REV]

Discover, scan and assess; runs nothing. Exit status as for \`airlock gate\`.`;

const OPTIONS = {
  policy: { type: 'string' },
  sarif: { type: 'string' },
  report: { type: 'string' },
  summary: { type: 'string' },
  out: { type: 'string' },
  'audit-log': { type: 'string' },
  'signing-key': { type: 'string' },
  origin: { type: 'string' },
  image: { type: 'string' },
  runtime: { type: 'string' },
  engine: { type: 'string' },
  'fail-on': { type: 'string' },
  base: { type: 'string' },
  head: { type: 'string' },
} as const;

export async function settingsFromArgs(argv: string[], io: CliIO, mode: GateMode): Promise<GateSettings> {
  const { values: v, positionals } = parseCommandArgs(
    argv,
    OPTIONS,
    mode === 'gate' ? GATE_USAGE : SCAN_USAGE,
  );
  const ws = io.cwd;
  if (mode === 'scan' && (v['audit-log'] || v['signing-key'] || v.runtime)) {
    throw new UserError('USAGE', `scan runs nothing and records nothing\n\n${SCAN_USAGE}`);
  }
  if ((v.base === undefined) !== (v.head === undefined)) {
    throw new UserError('USAGE', '--base and --head go together');
  }
  const outDir = insideWorkspace(ws, v.out ?? '.airlock/out', '--out');
  const audit = v['audit-log']
    ? {
        log: insideWorkspace(ws, v['audit-log'], '--audit-log'),
        origin: v.origin ?? defaultOrigin(io.env, ws),
        signingKey: await readSigningKey({ file: v['signing-key'], pem: io.env.AIRLOCK_SIGNING_KEY }),
      }
    : undefined;
  return {
    workspace: ws,
    paths: positionals.length ? positionals : ['.'],
    mode,
    // A path is the user's, relative to where they stand; a shipped name is Airlock's own file.
    policy: v.policy === undefined ? undefined : resolvePolicyRef(v.policy, ws),
    imageRef: v.image,
    runtime: parseRuntime(v.runtime, '--runtime'),
    engine: parseEngine(v.engine, '--engine'),
    failOn: v['fail-on'] !== undefined ? parseFailOn(v['fail-on'], '--fail-on') : undefined,
    outDir,
    reportFile: v.report ? insideWorkspace(ws, v.report, '--report') : join(outDir, 'report.json'),
    sarifFile: v.sarif ? insideWorkspace(ws, v.sarif, '--sarif') : join(outDir, 'airlock.sarif'),
    summaryFile: v.summary ? insideWorkspace(ws, v.summary, '--summary') : undefined,
    sarifCategory: 'airlock',
    audit,
    changedBetween: v.base !== undefined && v.head !== undefined ? { base: v.base, head: v.head } : undefined,
    run: {
      repository: io.env.GITHUB_REPOSITORY,
      commit: io.env.GITHUB_SHA,
      workflowRun: io.env.GITHUB_RUN_ID,
      actor: io.env.GITHUB_ACTOR,
      event: io.env.GITHUB_EVENT_NAME ?? 'cli',
    },
  };
}

async function runMode(argv: string[], io: CliIO, mode: GateMode): Promise<number> {
  const settings = await settingsFromArgs(argv, io, mode);
  const progress = (l: string) => io.stderr(`airlock: ${l}\n`);
  const cancellation = cancelOnSignals({ log: progress });
  let report: Awaited<ReturnType<typeof runGate>>['report'];
  try {
    ({ report } = await runGate(settings, { progress, env: io.env, signal: cancellation.signal }));
  } finally {
    cancellation.dispose();
  }
  if (report.cancelled) {
    io.stdout(
      `CANCELLED by ${report.cancelled.signal}: ${report.cancelled.inFlight} run(s) stopped, ${report.cancelled.notStarted} not started\nreport: ${settings.reportFile}\n`,
    );
    return exitCodeFor(report.cancelled.signal as NodeJS.Signals);
  }
  io.stdout(
    `${report.verdict.toUpperCase()}: ${report.scripts.length} script(s), ${report.counts.low} low, ${report.counts.high} high, ${report.counts.blocked} blocked, ${report.counts.executed} executed, ${report.counts.failed} failed\n`,
  );
  for (const r of report.verdictReasons) io.stdout(`  - ${JSON.stringify(r).slice(1, -1)}\n`);
  for (const w of missingScannerWarnings(report.scanners)) io.stderr(`airlock: WARNING: ${w}\n`);
  io.stdout(`report: ${settings.reportFile}\nsarif: ${settings.sarifFile}\n`);
  return report.verdict === 'pass' ? 0 : 1;
}

export const gateCommand: CliCommand = {
  name: 'gate',
  summary: 'scan, assess, run approved scripts in the sandbox, record, report',
  usage: GATE_USAGE,
  run: (argv, io) => runMode(argv, io, 'gate'),
};

export const scanCommand: CliCommand = {
  name: 'scan',
  summary: 'discover, scan and assess; runs nothing',
  usage: SCAN_USAGE,
  run: (argv, io) => runMode(argv, io, 'scan'),
};
