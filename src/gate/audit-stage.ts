import { randomUUID } from 'node:crypto';
import { access } from 'node:fs/promises';
import { type AppendResult, type AuditWriter, openAuditLog } from '../audit/index.js';
import { readLines } from '../audit/reader.js';
import type { CacheAuditField } from '../cache/cache-run.js';
import type { Policy } from '../policy/index.js';
import { policySha256 } from '../policy/index.js';
import type {
  AssessedFile,
  ExecutionResult,
  ModuleReport,
  ScannerStatus,
  ScriptReport,
} from '../report/types.js';
import type { AuditSettings, GateSettings } from '../settings/gate-settings.js';
import type { HistoryEntry } from '../telemetry/history.js';
import { VERSION } from '../version.js';

/**
 * The gate's events, as audit entries (docs/audit-format.md lists the kinds):
 * `run.start`, one `scan` per script, one `execution` per sandboxed run (as it
 * ends), one `decision` per script, and `run.end`; then a signed checkpoint.
 */
export interface AuditRecorder {
  runStart(e: {
    settings: GateSettings;
    policy: Policy;
    image: { ref: string; id: string };
    scripts: number;
    /** The policy's data inputs the scripts can read (path, bytes, sha256); absent when none. */
    inputs?: readonly { path: string; bytes: number; sha256: string }[];
  }): Promise<void>;
  /**
   * One `scan` entry per script, then one per staged module (marked `module: true`);
   * `scanners`: what scanned them (the report's `scanners[]`), recorded in every entry.
   */
  scanned(
    scripts: ScriptReport[],
    scanners: readonly ScannerStatus[],
    modules?: ModuleReport[],
    /** The verdict cache's record for a file (src/cache/cache-run.ts): a result kept, or a reuse. */
    cacheOf?: (path: string) => CacheAuditField | undefined,
  ): Promise<void>;
  executed(script: ScriptReport, r: ExecutionResult): Promise<void>;
  decided(scripts: ScriptReport[]): Promise<void>;
  /** `cancelled`: the run.end entry says the run was cancelled, by which signal, and what it stopped. */
  close(
    verdict: string,
    cancelled?: { signal: string; inFlight: number; notStarted: number },
  ): Promise<{
    checkpoint: string;
    size: number;
    root: string;
    firstSeq: number;
    signed: boolean;
    /** This run's entries (other runs may append to the same log in between): what gets published. */
    appended: AppendResult[];
  }>;
  abort(cause: unknown): Promise<void>;
}

export async function openAuditRecorder(
  a: AuditSettings,
  progress: (l: string) => void,
): Promise<AuditRecorder> {
  const w: AuditWriter = await openAuditLog({
    log: a.log,
    origin: a.origin,
    signingKey: a.signingKey,
    lockTimeoutMs: a.lockTimeoutMs,
  });
  // Gates may write one log at once, so a run's entries interleave with another's: each
  // entry names its run (an id of this writer's own, not a secret and not the CI's run id).
  const run = randomUUID();
  const append = (kind: string, data: Record<string, unknown>) => w.append(kind, { run, ...data });
  progress(
    `record: audit log ${a.log} (${w.size} entries so far)${a.signingKey ? '' : '; no signing key: the checkpoint will be unsigned'}`,
  );
  return {
    async runStart({ settings, policy, image, scripts, inputs }) {
      await append('run.start', {
        airlock: VERSION,
        mode: settings.mode,
        repository: settings.run.repository ?? null,
        commit: settings.run.commit ?? null,
        workflowRun: settings.run.workflowRun ?? null,
        actor: settings.run.actor ?? null,
        event: settings.run.event ?? null,
        // Which revision's policy decided (null: the checked-out or shipped one), and its digest.
        policy: {
          name: policy.name,
          sha256: policySha256(policy),
          revision: settings.policyRevision?.commit ?? null,
          path: settings.policyRevision?.path ?? null,
        },
        image,
        scripts,
        // Like the policy and image, a fact of the whole run: every execution entry with this
        // `run` read exactly these bytes (hashed once, mounted read-only).
        ...(inputs?.length
          ? { inputs: inputs.map((f) => ({ path: f.path, bytes: f.bytes, sha256: f.sha256 })) }
          : {}),
      });
    },
    async scanned(scripts, scanners, modules = [], cacheOf = () => undefined) {
      // Which scanner versions judged the script: a level is only as good as the rules that
      // produced it, and the image tag alone does not say which Bandit/Semgrep it held.
      const tools = scanners.map((s) => ({ tool: s.tool, status: s.status, version: s.version ?? null }));
      // Staged modules (what else could run) get the same entry, marked `module: true`.
      const entry = (f: AssessedFile, module: boolean) => ({
        path: f.path,
        sha256: f.sha256,
        level: f.level,
        ...(module ? { module: true } : {}),
        findings: f.findings.map((x) => `${x.tool}:${x.ruleId}${x.allowlisted ? ' (allowlisted)' : ''}`),
        scanners: tools,
      });
      // With the verdict cache, `scan` also keeps the raw result and its key, and a file
      // whose result was reused gets `scan.reused`, naming the entry it reuses.
      const record = async (f: AssessedFile, module: boolean) => {
        const c = cacheOf(f.path);
        await append(c?.kind ?? 'scan', c ? { ...entry(f, module), cache: c.cache } : entry(f, module));
      };
      for (const s of scripts) await record(s, false);
      for (const m of modules) await record(m, true);
    },
    async executed(s, r) {
      await append('execution', {
        path: s.path,
        sha256: s.sha256,
        status: r.status,
        exitCode: r.exitCode,
        durationMs: r.durationMs,
        peakMemoryBytes: r.peakMemoryBytes,
        profile: r.profile,
        runtime: r.runtime,
        stdoutSha256: r.stdoutSha256,
        stderrSha256: r.stderrSha256,
        stdoutBytes: r.stdoutBytes,
        stderrBytes: r.stderrBytes,
        artifacts: r.artifacts.map((x) => ({ path: x.path, bytes: x.bytes, sha256: x.sha256 })),
        // The install phase before the script (docs/egress.md): what it installed, or why not.
        ...(r.install
          ? {
              install: {
                requirements: r.install.requirements,
                index: r.install.index,
                status: r.install.status,
                exitCode: r.install.exitCode,
                packages: r.install.packages.map((p) => `${p.name}==${p.version} ${p.hash}`),
                ...(r.install.reason ? { reason: r.install.reason } : {}),
              },
            }
          : {}),
      });
      // One entry per request through the egress proxy, allowed or not, with the reason.
      for (const q of r.egress ?? []) {
        await append('egress', {
          path: s.path,
          sha256: s.sha256,
          method: q.method,
          host: q.host,
          port: q.port,
          urlPath: q.path ?? null,
          bytesUp: q.bytesUp,
          bytesDown: q.bytesDown,
          allowed: q.allowed,
          reason: q.reason,
          ...(q.phase ? { phase: q.phase } : {}),
        });
      }
    },
    async decided(scripts) {
      for (const s of scripts) {
        await append('decision', {
          path: s.path,
          sha256: s.sha256,
          level: s.level,
          decision: s.decision,
          // Not run because its scan was reused (execute.scripts: changed, docs/cache.md).
          ...(s.unchanged ? { unchanged: true } : {}),
        });
      }
    },
    async close(verdict, cancelled) {
      await append('run.end', cancelled ? { verdict, cancelled: true, ...cancelled } : { verdict });
      const c = await w.close();
      return {
        checkpoint: c.checkpoint,
        size: c.size,
        root: c.root,
        firstSeq: c.firstSeq,
        signed: c.signed,
        appended: c.appended,
      };
    },
    async abort(cause) {
      try {
        await append('run.end', {
          verdict: 'error',
          error: String((cause as Error)?.message ?? cause).slice(0, 500),
        });
        // Sign what happened: the crash itself is part of the record.
        await w.close();
      } catch (e) {
        // The log itself could not be written (a full disk): release the lock so the next
        // run can open the log; it repairs a torn last line and records that it did.
        await w.abort();
        throw e;
      }
    },
  };
}

/**
 * The execution entries of the live log segment, oldest first, for telemetry's
 * counters and failure streak (they survive across CI runs this way). Only `kind`
 * and `data` are kept; a missing log is an empty history.
 */
export async function readExecutionHistory(log: string): Promise<HistoryEntry[]> {
  try {
    await access(log);
  } catch {
    return [];
  }
  const out: HistoryEntry[] = [];
  await readLines(log, (line) => {
    // Only lines of the execution kind are parsed; the writer has verified the log on open.
    if (!line.includes('"kind":"execution"')) return;
    try {
      const e = JSON.parse(line.toString('utf8')) as {
        kind: string;
        data: { status?: unknown; durationMs?: unknown };
      };
      out.push({ kind: e.kind, data: { status: e.data?.status, durationMs: e.data?.durationMs } });
    } catch {
      // A torn or corrupt line is the writer's to report, not telemetry's.
    }
  });
  return out;
}
