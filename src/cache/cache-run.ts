import type { Finding, ScannerStatus } from '../report/types.js';
import type { RuleMeta } from '../scan/types.js';
import { cacheKey } from './cache-key.js';
import { type CachedScan, freshCacheField } from './cached-scan.js';
import type { CacheHit, VerdictCacheIndex } from './verdict-cache.js';

/** What the scan stage asks once every enabled scanner's probe has answered (src/gate/scan-stage.ts). */
export interface ScanReuse {
  /**
   * The versions signed entries recorded for this run's image, one per tool asked for;
   * undefined when any is not known (the probes then run as usual).
   */
  knownVersions(tools: readonly string[]): { tool: string; version: string }[] | undefined;
  /** Staged path -> the result to use instead of scanning it; called at most once. */
  lookup(scanners: { tool: string; version: string }[]): Map<string, CachedScan>;
}

/** A file's audit record under the cache: a fresh `scan` (with its result) or a `scan.reused`. */
export interface CacheAuditField {
  kind: 'scan' | 'scan.reused';
  cache: Record<string, unknown>;
}

/**
 * One gate run's use of the verdict cache: computes each staged file's key once the
 * scanner versions are known, hands the scan stage the hits, keeps the fresh results
 * for the audit log, and says what to record for each file.
 */
export class VerdictCacheRun implements ScanReuse {
  private readonly keys = new Map<string, string>();
  private readonly hits = new Map<string, CacheHit>();
  private readonly fresh = new Map<string, CachedScan>();

  constructor(
    private readonly index: VerdictCacheIndex,
    private readonly parts: {
      policySha256: string;
      imageId: string;
      rulesSha256: string;
      /** Staged path -> SHA-256 of the staged bytes, for every file the scanners are given. */
      files: Map<string, string>;
    },
  ) {}

  knownVersions(tools: readonly string[]): { tool: string; version: string }[] | undefined {
    const known = this.index.versionsByImage.get(this.parts.imageId);
    const out = tools.map((tool) => ({ tool, version: known?.get(tool) }));
    return out.every((x) => x.version !== undefined)
      ? (out as { tool: string; version: string }[])
      : undefined;
  }

  lookup(scanners: { tool: string; version: string }[]): Map<string, CachedScan> {
    // Called again with the probes' versions when the recorded ones did not cover every file.
    this.keys.clear();
    this.hits.clear();
    const reused = new Map<string, CachedScan>();
    for (const [path, sha256] of this.parts.files) {
      const key = cacheKey({ ...this.parts, path, sha256, scanners });
      this.keys.set(path, key);
      const hit = this.index.byKey.get(key);
      if (!hit) continue;
      this.hits.set(path, hit);
      // Copies: assessment annotates findings, and the index must stay as it was read.
      reused.set(path, { findings: structuredClone(hit.findings), rules: structuredClone(hit.rules) });
    }
    return reused;
  }

  /**
   * Keeps the scanners' raw results of the files that were scanned, before assessment
   * annotates them; only when every enabled scanner ran (a partial scan is never cached).
   */
  capture(
    findingsByPath: ReadonlyMap<string, Finding[]>,
    rules: readonly RuleMeta[],
    scanners: readonly ScannerStatus[],
  ): void {
    if (!scanners.length || scanners.some((s) => s.status !== 'ran')) return;
    for (const path of this.keys.keys()) {
      if (this.hits.has(path)) continue;
      const findings = structuredClone(findingsByPath.get(path) ?? []);
      const fired = new Set(findings.map((f) => `${f.tool}\0${f.ruleId}`));
      this.fresh.set(path, { findings, rules: rules.filter((r) => fired.has(`${r.tool}\0${r.id}`)) });
    }
  }

  /** The audit record for a staged path; undefined: a plain `scan` entry with no cache field. */
  auditField(path: string): CacheAuditField | undefined {
    const key = this.keys.get(path);
    if (!key) return undefined;
    const hit = this.hits.get(path);
    if (hit) return { kind: 'scan.reused', cache: { key, reuses: hit.entry } };
    const result = this.fresh.get(path);
    const field = result && freshCacheField(key, this.parts.imageId, result);
    return field ? { kind: 'scan', cache: field } : undefined;
  }

  /** The signed entry whose result this file reused, if it did. */
  reusedEntry(path: string): { seq: number; hash: string } | undefined {
    return this.hits.get(path)?.entry;
  }

  get reusedCount(): number {
    return this.hits.size;
  }

  get unusable(): string | undefined {
    return this.index.unusable;
  }
}
