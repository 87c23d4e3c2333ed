import { resolve } from 'node:path';
import { UserError } from '../../errors.js';
import type { ShardChoice } from '../../scale/shard-gate.js';
import { defaultOrigin } from '../../settings/gate-settings.js';

/**
 * `airlock gate --plan F --shard I`: the shard's scripts come from the plan, and its
 * report, SARIF and audit segment go into --out (where `airlock merge` looks for them),
 * so the options that would say otherwise are refused rather than ignored.
 */
export function shardChoiceFromArgs(
  v: Record<string, string | boolean | undefined>,
  positionals: readonly string[],
  io: { cwd: string; env: NodeJS.ProcessEnv },
  usage: string,
): ShardChoice | undefined {
  if (v.plan === undefined && v.shard === undefined) return undefined;
  if (typeof v.plan !== 'string' || typeof v.shard !== 'string') {
    throw new UserError('USAGE', `--plan F and --shard I go together\n\n${usage}`);
  }
  const clash = ['report', 'sarif', 'audit-log', 'signing-key', 'base', 'head'].filter(
    (k) => v[k] !== undefined,
  );
  if (positionals.length || clash.length) {
    throw new UserError(
      'USAGE',
      `with --plan the scripts come from the plan and the outputs go into --out: drop ${[
        ...(positionals.length ? ['the PATHs'] : []),
        ...clash.map((k) => `--${k}`),
      ].join(', ')}`,
    );
  }
  if (!/^[0-9]{1,3}$/.test(v.shard)) {
    throw new UserError(
      'USAGE',
      `--shard: expected a shard number from the plan (0, 1, ...), got '${v.shard}'`,
    );
  }
  return {
    // Only read: the plan may be anywhere (a downloaded artifact under $RUNNER_TEMP).
    plan: resolve(io.cwd, v.plan),
    index: Number(v.shard),
    origin: typeof v.origin === 'string' ? v.origin : defaultOrigin(io.env, io.cwd),
  };
}
