import type { KeyObject } from 'node:crypto';
import { copyFile, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { openAuditLog } from '../audit/index.js';
import { verifierKey } from '../audit/keys.js';
import type { GateReport } from '../report/types.js';
import { writeJson } from '../report/write-json.js';
import { sha256Hex } from '../sha256.js';
import {
  SHARD_KIND,
  SHARD_MANIFEST,
  SHARD_OUTPUT_KIND,
  SHARD_SEGMENT,
  type ShardManifest,
} from './shard-manifest.js';

/**
 * The end of a shard job: its gate's segment gets a last entry, `shard.output`, binding
 * the plan, the shard and the SHA-256 of the report and SARIF bytes as written; the
 * segment is signed (closing the writer writes the checkpoint) and copied into the output
 * directory with `shard.json`, which names the key that signed it.
 */
export async function sealShardOutput(o: {
  outDir: string;
  /** The gate's segment (written outside outDir), signed by `privateKey` under `origin`. */
  segment: string;
  origin: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  plan: { sha256: string; shards: number };
  shard: number;
  report: GateReport;
  reportFile: string;
  sarifFile: string;
}): Promise<ShardManifest> {
  const reportSha = sha256Hex(await readFile(o.reportFile));
  const sarifSha = sha256Hex(await readFile(o.sarifFile));
  const w = await openAuditLog({ log: o.segment, origin: o.origin, signingKey: o.privateKey });
  await w.append(SHARD_OUTPUT_KIND, {
    plan: o.plan.sha256,
    shard: o.shard,
    shards: o.plan.shards,
    report: reportSha,
    sarif: sarifSha,
    scripts: o.report.scripts.length,
    verdict: o.report.verdict,
  });
  const closed = await w.close();
  const finalLog = join(o.outDir, SHARD_SEGMENT);
  await copyFile(o.segment, finalLog);
  await copyFile(`${o.segment}.checkpoint`, `${finalLog}.checkpoint`);
  const manifest: ShardManifest = {
    version: 1,
    kind: SHARD_KIND,
    plan: o.plan.sha256,
    shard: o.shard,
    shards: o.plan.shards,
    policy: { sha256: o.report.policy.sha256 },
    image: o.report.image,
    verdict: o.report.verdict,
    report: { file: basename(o.reportFile), sha256: reportSha },
    sarif: { file: basename(o.sarifFile), sha256: sarifSha },
    audit: {
      log: SHARD_SEGMENT,
      origin: o.origin,
      size: closed.size,
      root: closed.root,
      checkpoint: closed.checkpoint,
      publicKey: o.publicKey.export({ format: 'pem', type: 'spki' }).toString(),
      verifierKey: verifierKey(o.origin, o.publicKey),
    },
  };
  await writeJson(join(o.outDir, SHARD_MANIFEST), manifest);
  return manifest;
}
