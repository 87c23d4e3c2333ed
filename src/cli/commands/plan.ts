import { dirname } from 'node:path';
import { UserError } from '../../errors.js';
import { ensureRealDirs } from '../../gate/real-dirs.js';
import { resolvePolicyRef } from '../../policy/index.js';
import { writeJson, writeOutputFile } from '../../report/write-json.js';
import { insideWorkspace } from '../../settings/gate-settings.js';
import { makePlan } from '../../scale/make-plan.js';
import { matrixOf } from '../../scale/plan.js';
import { MAX_SHARDS } from '../../scale/plan-file.js';
import { parseCommandArgs } from '../args.js';
import { type CliCommand, EXIT_OK } from '../command.js';

const USAGE = `Usage: airlock plan [PATH...] --shards N [--policy F] [--plan F] [--matrix F]
       [--base REV --head REV]

Splits the scripts a gate would cover into N shards balanced by expected cost, for
\`airlock gate --plan F --shard I\` on N machines (a GitHub Actions matrix) and one
\`airlock merge\`. Scripts are found as \`airlock gate\` finds them; each is listed with
its SHA-256, which its shard checks before gating it.

Options:
  --shards N        number of shards, 1..${MAX_SHARDS} (GitHub Actions' limit of jobs per matrix;
                    beyond it, split the paths over several plans and workflows).
                    Fewer are used when there are fewer folders/scripts to spread
  --policy F        policy file, or a shipped name: default, strict; its digest is recorded
                    and every shard must gate with the same policy
  --plan F          where the plan goes, inside the workspace (default: .airlock/plan.json)
  --matrix F        also write the matrix JSON to F
  --base REV --head REV   only the Python files changed in REV...REV (pull-request mode)

Output: stdout gets the GitHub Actions matrix on one line, for fromJSON:
  {"shard":[0,1,...]}   (e.g. echo "matrix=$(node dist/cli.js plan ...)" >> "$GITHUB_OUTPUT")
Progress goes to stderr.

Exit status: 0 written, 2 usage/configuration error.`;

export function parseShardCount(text: string | undefined): number {
  if (text === undefined) throw new UserError('USAGE', `--shards N is required\n\n${USAGE}`);
  const n = /^[0-9]{1,6}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(n) || n < 1) {
    throw new UserError('USAGE', `--shards: expected a whole number from 1 to ${MAX_SHARDS}, got '${text}'`);
  }
  if (n > MAX_SHARDS) {
    throw new UserError(
      'USAGE',
      `--shards ${n}: GitHub Actions runs at most ${MAX_SHARDS} jobs per matrix; use --shards ${MAX_SHARDS} or less, or split the paths over several plans (one matrix job each), see docs/scale-sharding.md`,
    );
  }
  return n;
}

export const planCommand: CliCommand = {
  name: 'plan',
  summary: 'split the scripts into shards for a matrix of gates (then airlock merge)',
  usage: USAGE,
  async run(argv, io) {
    const { values: v, positionals } = parseCommandArgs(
      argv,
      {
        shards: { type: 'string' },
        policy: { type: 'string' },
        plan: { type: 'string' },
        matrix: { type: 'string' },
        base: { type: 'string' },
        head: { type: 'string' },
      } as const,
      USAGE,
    );
    const shards = parseShardCount(v.shards);
    if ((v.base === undefined) !== (v.head === undefined)) {
      throw new UserError('USAGE', '--base and --head go together');
    }
    const ws = io.cwd;
    const planFile = insideWorkspace(ws, v.plan ?? '.airlock/plan.json', '--plan');
    const matrixFile = v.matrix ? insideWorkspace(ws, v.matrix, '--matrix') : undefined;
    const plan = await makePlan({
      workspace: ws,
      paths: positionals.length ? positionals : ['.'],
      policy: v.policy === undefined ? undefined : resolvePolicyRef(v.policy, ws),
      policyLabel: v.policy ?? 'default',
      shards,
      changedBetween:
        v.base !== undefined && v.head !== undefined ? { base: v.base, head: v.head } : undefined,
    });
    const matrix = `${JSON.stringify(matrixOf(plan))}\n`;
    // Made without following a link a pull request may have committed (real-dirs.ts).
    await ensureRealDirs(ws, dirname(planFile), 'plan');
    await writeJson(planFile, plan);
    if (matrixFile) {
      await ensureRealDirs(ws, dirname(matrixFile), 'matrix');
      await writeOutputFile(matrixFile, matrix);
    }
    io.stderr(
      `airlock: plan: ${plan.scripts.length} script(s) (${plan.uniqueContents} distinct), ${plan.shards} shard(s)${plan.shards < shards ? ` (of ${shards} asked: fewer units to spread)` : ''}, written to ${planFile}\n`,
    );
    io.stdout(matrix);
    return EXIT_OK;
  },
};
