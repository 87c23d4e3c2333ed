import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { judgeFinding } from '../../assess/index.js';
import { cancelOnSignals, exitCodeFor } from '../../gate/cancel.js';
import { runGate } from '../../gate/pipeline.js';
import { runShardGate, type ShardChoice } from '../../scale/shard-gate.js';
import { shardChoiceFromArgs } from './gate-shard-args.js';
import { UserError } from '../../errors.js';
import { loadPolicy, resolvePolicyRef } from '../../policy/index.js';
import { missingScannerWarnings } from '../../report/scanner-warnings.js';
import { renderSummary } from '../../report/summary.js';
import type { GateReport } from '../../report/types.js';
import {
  type GateMode,
  type GateSettings,
  auditLockTimeoutMs,
  defaultOrigin,
  insideWorkspace,
  parseFailOn,
  parseRuntime,
  readSigningKey,
} from '../../settings/gate-settings.js';
import { parseEngine } from '../../sandbox/engine-select.js';
import { parseExecuteScripts } from '../../cache/execute-scope.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand, CliIO } from '../command.js';
import { renderText, verdictLine } from '../output/findings-text.js';
import { type OutputFormat, parseFormat } from '../output/formats.js';
import { loadSourceLines } from '../output/source-lines.js';
import { painter, wantColour } from '../output/terminal.js';
import { escapeCommandLines, escapeJsonCommands, underGitHubActions } from '../output/workflow-commands.js';

const GATE_USAGE = `Usage: airlock gate [PATH...] [options]

Discover, scan, assess, run the approved scripts in the hardened sandbox, record, report.
PATHs are files, directories or globs relative to the workspace (default: .).

Options:
  --policy F          policy file, or a shipped name: default, strict (./strict for a file)
  --format FMT        what stdout gets: text (findings, failed runs, verdict; default),
                      json (the report), sarif (the SARIF log), markdown (the summary)
  -q, --quiet         text: only the verdict line (warnings and errors still go to stderr)
  --telemetry         telemetry.* JSON event lines on stderr (default: only when a
                      metrics endpoint is configured; env AIRLOCK_TELEMETRY=stderr|off)
  --sarif F           SARIF output, any path you can write (default: OUT/airlock.sarif)
  --report F          JSON report, any path you can write (default: OUT/report.json)
  --summary F         Markdown summary, any path you can write (the Action writes it to the job summary)
  --out DIR           output directory for artifacts, inside the workspace (default: .airlock/out);
                      holds the latest finished run only: a run replaces it, one at a time
  --audit-log F       append to this audit log (checkpoint F.checkpoint beside it); parallel
                      gates may share one (env AIRLOCK_AUDIT_LOCK_TIMEOUT: seconds an append
                      waits for another's, default 60)
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
  --plan F --shard I  gate shard I of a plan made by \`airlock plan\` (no PATHs): each script's
                      SHA-256 must match the plan's; --out also gets the shard's signed audit
                      segment and shard.json, for \`airlock merge\` (docs/scale-sharding.md)
  --execute changed|all   with an audit log and its signing key, scripts whose scan was
                      reused from the log (the verdict cache, docs/cache.md) run again
                      (all) or not (changed). Default: the policy's execute.scripts, else
                      changed with --base/--head or on a pull_request event, else all

SIGINT/SIGTERM cancel the run: in-flight runs stop (status cancelled), their containers
and the staged copies are removed, the partial report and audit entry are written, and
the exit status is 128 + the signal number (130, 143).

Output: text prints each finding as PATH:LINE:COL: LEVEL TOOL RULE [SEVERITY/CONFIDENCE]
MESSAGE, the policy's reason and the source line; then failed runs with their stderr
tail; then the verdict. Colour only when stdout is a terminal (NO_COLOR turns it off,
FORCE_COLOR on). Progress goes to stderr (not with -q).

Exit status: 0 pass, 1 the gate said no, 2 usage/configuration/environment error.`;

const SCAN_USAGE = `Usage: airlock scan [PATH...] [--policy F] [--format text|json|sarif|markdown] [-q] [--telemetry]
       [--sarif F] [--report F] [--summary F] [--out DIR] [--image REF] [--engine docker|podman] [--fail-on LIST]
       [--base REV --head REV]

Discover, scan and assess; runs nothing. Options and exit status as for \`airlock gate\`.

Output: text prints each finding as PATH:LINE:COL: LEVEL TOOL RULE [SEVERITY/CONFIDENCE]
MESSAGE, the policy's reason and the source line, then the verdict. Colour only when
stdout is a terminal (NO_COLOR turns it off, FORCE_COLOR on).`;

const OPTIONS = {
  policy: { type: 'string' },
  format: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' },
  telemetry: { type: 'boolean' },
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
  plan: { type: 'string' },
  shard: { type: 'string' },
  execute: { type: 'string' },
} as const;

/** How the run talks to the person: what stdout gets, and whether stderr gets progress. */
export interface OutputChoice {
  format: OutputFormat;
  quiet: boolean;
  telemetry: boolean;
}

export async function settingsFromArgs(
  argv: string[],
  io: CliIO,
  mode: GateMode,
): Promise<GateSettings & { output: OutputChoice; shard?: ShardChoice }> {
  const { values: v, positionals } = parseCommandArgs(
    argv,
    OPTIONS,
    mode === 'gate' ? GATE_USAGE : SCAN_USAGE,
  );
  const output: OutputChoice = {
    format: parseFormat(v.format),
    quiet: v.quiet === true,
    telemetry: v.telemetry === true,
  };
  const ws = io.cwd;
  if (mode === 'scan' && (v['audit-log'] || v['signing-key'] || v.runtime)) {
    throw new UserError('USAGE', `scan runs nothing and records nothing\n\n${SCAN_USAGE}`);
  }
  if (mode === 'scan' && v.execute !== undefined) {
    throw new UserError('USAGE', `scan runs nothing: --execute is for gate\n\n${SCAN_USAGE}`);
  }
  if ((v.base === undefined) !== (v.head === undefined)) {
    throw new UserError('USAGE', '--base and --head go together');
  }
  if (mode === 'scan' && (v.plan !== undefined || v.shard !== undefined)) {
    throw new UserError('USAGE', `--plan/--shard are for airlock gate\n\n${SCAN_USAGE}`);
  }
  const shard = shardChoiceFromArgs(v, positionals, io, GATE_USAGE);
  const outDir = insideWorkspace(ws, v.out ?? '.airlock/out', '--out');
  const audit = v['audit-log']
    ? {
        log: insideWorkspace(ws, v['audit-log'], '--audit-log'),
        origin: v.origin ?? defaultOrigin(io.env, ws),
        signingKey: await readSigningKey({ file: v['signing-key'], pem: io.env.AIRLOCK_SIGNING_KEY }),
        lockTimeoutMs: auditLockTimeoutMs(io.env),
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
    // The person at the terminal names these: anywhere they can write (as bandit -o).
    // Only what the scripts produce (--out) is held inside the workspace.
    reportFile: v.report ? resolve(ws, v.report) : join(outDir, 'report.json'),
    sarifFile: v.sarif ? resolve(ws, v.sarif) : join(outDir, 'airlock.sarif'),
    summaryFile: v.summary ? resolve(ws, v.summary) : undefined,
    sarifCategory: 'airlock',
    audit,
    executeScripts: parseExecuteScripts(v.execute, '--execute'),
    changedBetween: v.base !== undefined && v.head !== undefined ? { base: v.base, head: v.head } : undefined,
    run: {
      repository: io.env.GITHUB_REPOSITORY,
      commit: io.env.GITHUB_SHA,
      workflowRun: io.env.GITHUB_RUN_ID,
      actor: io.env.GITHUB_ACTOR,
      event: io.env.GITHUB_EVENT_NAME ?? 'cli',
    },
    output,
    shard,
  };
}

/** stdout for --format json|sarif|markdown: one document a tool can read. */
async function documentFor(format: OutputFormat, report: GateReport, sarifFile: string): Promise<string> {
  // The JSON forms quote scripts' output: no `##[` workflow command may survive in them.
  if (format === 'json') return escapeJsonCommands(`${JSON.stringify(report, null, 2)}\n`);
  // The SARIF as written (and as GitHub would receive it), not a second rendering.
  if (format === 'sarif') return escapeJsonCommands(await readFile(sarifFile, 'utf8'));
  return renderSummary(report);
}

async function runMode(argv: string[], io: CliIO, mode: GateMode): Promise<number> {
  const { output, shard, ...settings } = await settingsFromArgs(argv, io, mode);
  const progress = output.quiet ? () => {} : (l: string) => io.stderr(`airlock: ${l}\n`);
  const telemetryLog = output.telemetry ? (l: string) => io.stderr(`${l}\n`) : undefined;
  const cancellation = cancelOnSignals({ log: (l: string) => io.stderr(`airlock: ${l}\n`) });
  let report: GateReport;
  try {
    const deps = { progress, env: io.env, telemetryLog, signal: cancellation.signal };
    if (shard) {
      const done = await runShardGate(settings, shard, deps);
      report = done.report;
      // Always, also with -q: the job log is where the one-off key is kept out of the artifact's reach.
      io.stderr(`airlock: shard ${shard.index} segment signed by ${done.manifest.audit.verifierKey}\n`);
    } else ({ report } = await runGate(settings, deps));
  } finally {
    cancellation.dispose();
  }
  if (report.cancelled) {
    io.stdout(
      `CANCELLED by ${report.cancelled.signal}: ${report.cancelled.inFlight} run(s) stopped, ${report.cancelled.notStarted} not started\nreport: ${settings.reportFile}\n`,
    );
    return exitCodeFor(report.cancelled.signal as NodeJS.Signals);
  }
  for (const w of missingScannerWarnings(report.scanners)) io.stderr(`airlock: WARNING: ${w}\n`);
  const exit = report.verdict === 'pass' ? 0 : 1;
  if (output.format !== 'text') {
    io.stdout(await documentFor(output.format, report, settings.sarifFile));
    return exit;
  }
  const paint = painter(wantColour(io.env, io.stdoutIsTTY === true));
  if (output.quiet) {
    io.stdout(`${verdictLine(report, paint)}\n`);
    return exit;
  }
  const policy = await loadPolicy(settings.policy);
  const paths = [...report.scripts, ...(report.modules ?? [])]
    .filter((s) => s.findings.length)
    .map((s) => s.path);
  const sourceLine = await loadSourceLines(settings.workspace, paths);
  const text = renderText(report, { judge: (f) => judgeFinding(f, policy), sourceLine, paint });
  // Source lines and stderr tails are the scripts' words: in an Actions log they must not
  // become workflow commands (issue 21, item 12).
  io.stdout(underGitHubActions(io.env) ? escapeCommandLines(text) : text);
  io.stdout(`report: ${settings.reportFile}\nsarif: ${settings.sarifFile}\n`);
  return exit;
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
