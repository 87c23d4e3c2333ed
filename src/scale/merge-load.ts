import { lstat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Log } from 'sarif';
import { readLines } from '../audit/reader.js';
import { layoutOf, listClosedSegments } from '../audit/segments.js';
import { verifyAuditLog } from '../audit/verify.js';
import { isAirlockError, VerificationError } from '../errors.js';
import type { GateReport } from '../report/types.js';
import { sha256Hex } from '../sha256.js';
import { SHARD_MANIFEST, SHARD_OUTPUT_KIND, SHARD_SEGMENT, ShardManifest } from './shard-manifest.js';

/** What the shard's signed segment says about its run: the truth the report is checked against. */
export interface SegmentFacts {
  policySha256: string | null;
  image: { ref: string; id: string | null } | null;
  /** path -> level and sha256 from the `scan` entries (scripts, not modules). */
  scans: Map<string, { level: string; sha256: string }>;
  /** path -> decision from the `decision` entries. */
  decisions: Map<string, string>;
  /** path -> status from the `execution` entries. */
  executions: Map<string, string>;
  /** The last entry's data: `shard.output`. */
  output: { plan: string; shard: number; shards: number; report: string; sarif: string; verdict: string };
}

export interface LoadedShard {
  dir: string;
  manifest: ShardManifest;
  report: GateReport;
  sarif: Log;
  facts: SegmentFacts;
}

/** Reports and SARIF of one shard are read whole: bounded first. */
const MAX_FILE_BYTES = 512 * 1024 * 1024;

function refuse(dir: string, why: string, cause?: unknown): never {
  throw new VerificationError('SHARD_TAMPERED', `shard output ${dir}: ${why}`, undefined, { cause });
}

/** A plain file named `name` in the shard folder; names come from shard.json, an artifact. */
async function requireFile(dir: string, name: string): Promise<string> {
  if (!/^[A-Za-z0-9._-]+$/.test(name) || name.startsWith('.'))
    refuse(dir, `bad file name ${JSON.stringify(name)}`);
  const path = join(dir, name);
  const st = await lstat(path).catch(() => null);
  if (!st) refuse(dir, `${name} is missing`);
  if (!st.isFile()) refuse(dir, `${name} is not a regular file`);
  if (st.size > MAX_FILE_BYTES) refuse(dir, `${name} is too large`);
  return path;
}

async function readBounded(dir: string, name: string): Promise<Buffer> {
  return readFile(await requireFile(dir, name));
}

function parseJson<T>(dir: string, name: string, bytes: Buffer): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch {
    return refuse(dir, `${name} is not JSON`);
  }
}

/**
 * Loads and verifies one shard's output directory: the segment verifies (chain, root,
 * signature by the key in shard.json, nothing unsigned after it), its last entry binds the
 * exact report and SARIF bytes, and the report says what the segment recorded for every
 * script. Anything else is SHARD_TAMPERED naming the directory.
 */
export async function loadShardOutput(dir: string): Promise<LoadedShard> {
  const parsed = ShardManifest.safeParse(
    parseJson(dir, SHARD_MANIFEST, await readBounded(dir, SHARD_MANIFEST)),
  );
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    refuse(dir, `${SHARD_MANIFEST}: ${i?.path.join('.') || '(top level)'}: ${i?.message}`);
  }
  const manifest = parsed.data;
  const name = `shard ${manifest.shard} (${dir})`;
  if (manifest.audit.log !== SHARD_SEGMENT) refuse(dir, `the segment must be ${SHARD_SEGMENT}`);
  const log = join(dir, SHARD_SEGMENT);
  await requireFile(dir, SHARD_SEGMENT);
  // A shard's segment is a fresh log, never rotated or pruned: closed segments or an anchor
  // beside it did not come from a shard job, and the facts below read the one file only.
  const layout = layoutOf(log);
  if ((await listClosedSegments(layout)).length || (await lstat(layout.anchorPath).catch(() => null)))
    refuse(dir, `${name}: closed segments or an anchor beside ${SHARD_SEGMENT}: not a shard's segment`);
  try {
    const r = await verifyAuditLog({
      log,
      publicKeyPem: manifest.audit.publicKey,
      origin: manifest.audit.origin,
      strict: true,
    });
    if (r.checkpointSize !== manifest.audit.size || r.root !== manifest.audit.root)
      refuse(dir, `${name}: the segment's checkpoint is not the one shard.json names`);
  } catch (e) {
    if (isAirlockError(e) && e.code === 'SHARD_TAMPERED') throw e;
    refuse(
      dir,
      `${name}: the audit segment does not verify (${isAirlockError(e) ? e.code : ''}: ${(e as Error).message})`,
      e,
    );
  }
  const checkpoint = (await readBounded(dir, `${SHARD_SEGMENT}.checkpoint`)).toString('utf8');
  if (checkpoint !== manifest.audit.checkpoint)
    refuse(dir, `${name}: the checkpoint file is not the one shard.json names`);
  const facts = await segmentFacts(log, dir);
  const reportBytes = await readBounded(dir, manifest.report.file);
  const sarifBytes = await readBounded(dir, manifest.sarif.file);
  if (sha256Hex(reportBytes) !== facts.output.report)
    refuse(dir, `${name}: ${manifest.report.file} is not the report its signed segment names`);
  if (sha256Hex(sarifBytes) !== facts.output.sarif)
    refuse(dir, `${name}: ${manifest.sarif.file} is not the SARIF its signed segment names`);
  if (facts.output.shard !== manifest.shard || facts.output.plan !== manifest.plan)
    refuse(dir, `${name}: shard.json names another plan or shard than its signed segment`);
  const report = parseJson<GateReport>(dir, manifest.report.file, reportBytes);
  const sarif = parseJson<Log>(dir, manifest.sarif.file, sarifBytes);
  if (!Array.isArray(report.scripts) || !Array.isArray(sarif.runs))
    refuse(dir, `${name}: report or SARIF without scripts/runs`);
  checkAgainstSegment(report, facts, (why) => refuse(dir, `${name}: ${why}`));
  return { dir, manifest, report, sarif, facts };
}

async function segmentFacts(log: string, dir: string): Promise<SegmentFacts> {
  const facts: Omit<SegmentFacts, 'output'> & { output?: SegmentFacts['output'] } = {
    policySha256: null,
    image: null,
    scans: new Map(),
    decisions: new Map(),
    executions: new Map(),
  };
  let last: { kind: string; data: Record<string, unknown> } | undefined;
  // The segment has verified: every line is canonical JSON of an entry.
  await readLines(log, (line) => {
    const e = JSON.parse(line.toString('utf8')) as { kind: string; data: Record<string, unknown> };
    last = e;
    const d = e.data as {
      policy?: { sha256?: string };
      image?: SegmentFacts['image'];
      module?: boolean;
      path: string;
      level: string;
      sha256: string;
      decision: string;
      status: string;
    };
    if (e.kind === 'run.start') {
      facts.policySha256 = d.policy?.sha256 ?? null;
      facts.image = d.image ?? null;
    } else if (e.kind === 'scan' && !d.module) facts.scans.set(d.path, { level: d.level, sha256: d.sha256 });
    else if (e.kind === 'decision') facts.decisions.set(d.path, d.decision);
    else if (e.kind === 'execution') facts.executions.set(d.path, d.status);
  });
  if (last?.kind !== SHARD_OUTPUT_KIND)
    refuse(dir, `the segment does not end with its ${SHARD_OUTPUT_KIND} entry`);
  facts.output = last.data as SegmentFacts['output'];
  return facts as SegmentFacts;
}

/** Each script's level, hash, decision and run status in the report are the segment's. */
function checkAgainstSegment(report: GateReport, f: SegmentFacts, bad: (why: string) => never): void {
  if (report.policy?.sha256 !== f.policySha256) bad('the report names another policy than its segment');
  if (report.image?.id !== f.image?.id || report.image?.ref !== f.image?.ref)
    bad('the report names another image than its segment');
  if (report.scripts.length !== f.decisions.size) bad('the report and its segment hold different scripts');
  for (const s of report.scripts) {
    const scan = f.scans.get(s.path);
    if (!scan || scan.sha256 !== s.sha256 || scan.level !== s.level)
      bad(`${JSON.stringify(s.path)}: level or hash differs from the signed scan entry`);
    if (f.decisions.get(s.path) !== s.decision)
      bad(`${JSON.stringify(s.path)}: decision differs from the signed entry`);
    if (f.executions.get(s.path) !== s.execution?.status)
      bad(`${JSON.stringify(s.path)}: run status differs from the signed execution entry`);
  }
}
