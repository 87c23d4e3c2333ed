import { join, resolve } from 'node:path';
import { UserError } from '../../errors.js';
import { renderSummary } from '../../report/summary.js';
import { runMerge } from '../../scale/merge.js';
import {
  auditLockTimeoutMs,
  defaultOrigin,
  insideWorkspace,
  readSigningKey,
} from '../../settings/gate-settings.js';
import { parseCommandArgs } from '../args.js';
import type { CliCommand } from '../command.js';
import { escapeJsonCommands } from '../output/workflow-commands.js';

const USAGE = `Usage: airlock merge --plan F DIR... [--out DIR] [--report F] [--sarif F] [--summary F]
       [--audit-log F] [--signing-key F] [--origin S] [--format text|json|markdown]

Merges the outputs of \`airlock gate --plan F --shard I\` (one DIR per shard, each the
shard's --out) into one report, one SARIF (one run per scanner, one category), one
summary and one verdict. Refuses, naming the shard: an output whose audit segment does
not verify or whose report or SARIF is not the one its segment binds (SHARD_TAMPERED),
a shard missing (SHARD_MISSING) or given twice (SHARD_DUPLICATE), another plan, policy,
image or scanner version (SHARD_MISMATCH).

Options:
  --plan F          the plan the shards were gated from (required)
  --out DIR         output directory, inside the workspace (default: .airlock/merged)
  --report F        merged JSON report (default: OUT/report.json)
  --sarif F         merged SARIF (default: OUT/airlock.sarif)
  --summary F       merged Markdown summary
  --audit-log F     append one \`shard\` entry per shard (binding its segment's checkpoint and
                    key) and a \`merge\` entry to this log; the only step needing the signing key
  --signing-key F   Ed25519 private key (PEM), or env AIRLOCK_SIGNING_KEY
  --origin S        audit log origin (default: from GITHUB_REPOSITORY, or localhost/<dir>)
  --format FMT      stdout: text (the verdict line; default), json (the report), markdown

Exit status: 0 pass, 1 the merged gate said no or a shard output was refused,
2 usage/configuration error.`;

export const mergeCommand: CliCommand = {
  name: 'merge',
  summary: 'check the shards of a plan and merge them into one report, SARIF and verdict',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandArgs(
      argv,
      {
        plan: { type: 'string' },
        out: { type: 'string' },
        report: { type: 'string' },
        sarif: { type: 'string' },
        summary: { type: 'string' },
        'audit-log': { type: 'string' },
        'signing-key': { type: 'string' },
        origin: { type: 'string' },
        format: { type: 'string' },
      } as const,
      USAGE,
    );
    if (!v.plan) throw new UserError('USAGE', `--plan F is required\n\n${USAGE}`);
    const format = v.format ?? 'text';
    if (!['text', 'json', 'markdown'].includes(format)) {
      throw new UserError('USAGE', `--format: expected text, json or markdown, got '${format}'`);
    }
    const ws = io.cwd;
    const outDir = insideWorkspace(ws, v.out ?? '.airlock/merged', '--out');
    const report = await runMerge({
      workspace: ws,
      plan: resolve(ws, v.plan),
      dirs: positionals.map((d) => resolve(ws, d)),
      outDir,
      reportFile: v.report ? resolve(ws, v.report) : join(outDir, 'report.json'),
      sarifFile: v.sarif ? resolve(ws, v.sarif) : join(outDir, 'airlock.sarif'),
      summaryFile: v.summary ? resolve(ws, v.summary) : undefined,
      audit: v['audit-log']
        ? {
            log: insideWorkspace(ws, v['audit-log'], '--audit-log'),
            origin: v.origin ?? defaultOrigin(io.env, ws),
            signingKey: await readSigningKey({ file: v['signing-key'], pem: io.env.AIRLOCK_SIGNING_KEY }),
            lockTimeoutMs: auditLockTimeoutMs(io.env),
          }
        : undefined,
      progress: (l) => io.stderr(`airlock: ${l}\n`),
    });
    if (format === 'json') io.stdout(escapeJsonCommands(`${JSON.stringify(report, null, 2)}\n`));
    else if (format === 'markdown') io.stdout(renderSummary(report));
    else {
      const c = report.counts;
      io.stdout(
        `${report.verdict === 'pass' ? 'PASS' : 'FAIL'}: ${report.scripts.length} script(s) from ${positionals.length} shard(s): ${c.low} low, ${c.high} high, ${c.blocked} blocked, ${c.executed} executed, ${c.failed} failed\n`,
      );
      for (const r of report.verdictReasons.slice(0, 50)) io.stdout(`  ${r}\n`);
    }
    return report.verdict === 'pass' ? 0 : 1;
  },
};
