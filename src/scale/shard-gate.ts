import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { verifierKey } from '../audit/keys.js';
import { UserError } from '../errors.js';
import { type GateDeps, runGate } from '../gate/pipeline.js';
import { ensureRealDirs } from '../gate/real-dirs.js';
import { loadPolicy, policySha256 } from '../policy/index.js';
import type { GateReport } from '../report/types.js';
import { writeJson } from '../report/write-json.js';
import type { GateSettings } from '../settings/gate-settings.js';
import { readPlanFile, scriptsOfShard } from './plan-file.js';
import { SHARD_SEGMENT, type ShardManifest, shardOrigin } from './shard-manifest.js';
import { sealShardOutput } from './shard-seal.js';
import { checkShardFiles, shardDifference } from './shard-select.js';

export interface ShardChoice {
  /** Absolute path of the plan file. */
  plan: string;
  index: number;
  /** The origin the branch log uses; the shard's segment is named below it (shardOrigin). */
  origin: string;
}

/**
 * `airlock gate --plan F --shard I`: gates exactly shard I's scripts with the ordinary
 * pipeline, then leaves in the output directory, beside its report and SARIF, a signed
 * audit segment of its own and `shard.json` (shard-manifest.ts).
 *
 * Signing: a shard job holds no signing key (only the merge job does). The segment is
 * signed with a one-off Ed25519 key made in memory for this run and never written; its
 * public half goes into shard.json and the job's log. The merge verifies the segment with
 * it and binds key and checkpoint in its own signed record: so the branch log, signed by
 * the real key, says which segment each shard's verdicts came from.
 */
export async function runShardGate(
  settings: GateSettings,
  shard: ShardChoice,
  deps: GateDeps,
): Promise<{ report: GateReport; manifest: ShardManifest }> {
  const loaded = await readPlanFile(shard.plan);
  const { plan } = loaded;
  const mine = scriptsOfShard(plan, shard.index);
  // A plan never has an empty shard; an empty path list would make the gate walk the workspace.
  if (mine.length === 0)
    throw new UserError('PLAN_INVALID', `shard ${shard.index} of the plan has no scripts`);
  const policy = await loadPolicy(settings.policy, { root: settings.workspace });
  if (policySha256(policy) !== plan.policy.sha256) {
    throw new UserError(
      'PLAN_MISMATCH',
      `the policy ${policy.name} (SHA-256 ${policySha256(policy).slice(0, 12)}…) is not the plan's (${plan.policy.path}, ${plan.policy.sha256.slice(0, 12)}…): every shard must gate with the policy the plan was made with`,
    );
  }
  await checkShardFiles({
    workspace: settings.workspace,
    scripts: mine,
    maxFiles: policy.limits.maxFiles,
    maxFileBytes: policy.limits.maxFileBytes,
  });

  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const origin = shardOrigin(shard.origin, loaded.sha256, shard.index);
  deps.progress(
    `shard ${shard.index}/${plan.shards}: ${mine.length} script(s); segment key ${verifierKey(origin, publicKey)}`,
  );
  // The segment is written beside the output directory, not in it (the gate replaces that
  // directory when it finishes), and copied in afterwards.
  await ensureRealDirs(settings.workspace, dirname(settings.outDir), 'output directory');
  const tmp = await mkdtemp(join(dirname(settings.outDir), `.${basename(settings.outDir)}.segment-`));
  try {
    const log = join(tmp, SHARD_SEGMENT);
    const { report } = await runGate(
      {
        ...settings,
        paths: mine.map((s) => s.path),
        changedBetween: undefined,
        audit: { log, origin, signingKey: privateKey, lockTimeoutMs: settings.audit?.lockTimeoutMs },
      },
      deps,
    );
    // The gate read the files again: they must still be the planned bytes (else the merge refuses them anyway).
    const diff = shardDifference(mine, report.scripts);
    if (diff) throw new UserError('PLAN_MISMATCH', `${diff} while the shard was gated`);

    // The report names where the segment ends up, not the temporary folder it was written in.
    report.audit = report.audit && {
      ...report.audit,
      log: relative(settings.workspace, join(settings.outDir, SHARD_SEGMENT)),
    };
    await writeJson(settings.reportFile, report);
    const manifest = await sealShardOutput({
      outDir: settings.outDir,
      segment: log,
      origin,
      privateKey,
      publicKey,
      plan: { sha256: loaded.sha256, shards: plan.shards },
      shard: shard.index,
      report,
      reportFile: settings.reportFile,
      sarifFile: settings.sarifFile,
    });
    return { report, manifest };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
