import { gzipSync } from 'node:zlib';
import type { Log, Notification, Result, Run } from 'sarif';

/**
 * GitHub code scanning's upload limits (docs: "SARIF support for code scanning",
 * "Validating your SARIF file"): a file over 10 MB gzipped is rejected outright, runs
 * beyond 20 and results beyond 25,000 per run are refused, locations beyond 1,000 per
 * result are dropped. We cut first, visibly (a notification in the run and a notice
 * for the report), instead of letting the upload fail or GitHub drop things silently.
 */
export interface SarifLimits {
  maxRuns: number;
  maxResultsPerRun: number;
  maxLocationsPerResult: number;
  maxGzipBytes: number;
}

export const GITHUB_SARIF_LIMITS: SarifLimits = {
  maxRuns: 20,
  maxResultsPerRun: 25_000,
  maxLocationsPerResult: 1_000,
  maxGzipBytes: 10 * 1024 * 1024,
};

export const TRUNCATION_NOTIFICATION_ID = 'airlock/sarif-truncated';

const LEVEL_RANK: Record<string, number> = { error: 0, warning: 1, note: 2, none: 3 };

/** Cuts `log` (in place) to fit `limits`; returns one notice per cut made. */
export function enforceSarifLimits(log: Log, limits: SarifLimits = GITHUB_SARIF_LIMITS): string[] {
  const notices: string[] = [];
  if (log.runs.length > limits.maxRuns) {
    const dropped = log.runs.length - limits.maxRuns;
    log.runs = log.runs.slice(0, limits.maxRuns);
    note(
      log.runs[0],
      notices,
      `SARIF truncated: ${dropped} run(s) beyond GitHub's limit of ${limits.maxRuns} were dropped`,
    );
  }
  for (const run of log.runs) {
    const results = run.results ?? [];
    let cutLocations = 0;
    for (const r of results) {
      if (r.locations && r.locations.length > limits.maxLocationsPerResult) {
        cutLocations += r.locations.length - limits.maxLocationsPerResult;
        r.locations = r.locations.slice(0, limits.maxLocationsPerResult);
      }
    }
    if (cutLocations > 0) {
      note(
        run,
        notices,
        `SARIF truncated: ${cutLocations} location(s) beyond ${limits.maxLocationsPerResult} per result were dropped (${toolName(run)})`,
      );
    }
    if (results.length > limits.maxResultsPerRun) {
      const dropped = results.length - limits.maxResultsPerRun;
      run.results = keepMostSevere(results, limits.maxResultsPerRun);
      note(
        run,
        notices,
        `SARIF truncated: ${dropped} of ${results.length} ${toolName(run)} result(s) beyond GitHub's limit of ${limits.maxResultsPerRun} per run were dropped (every file keeps its most severe first, then the least severe go); the JSON report has them all`,
      );
    }
  }
  shrinkToSize(log, limits.maxGzipBytes, notices);
  return notices;
}

/** gzip size of the serialized log, as GitHub measures the upload. */
export function gzippedSize(log: Log): number {
  return gzipSync(JSON.stringify(log)).length;
}

function shrinkToSize(log: Log, maxGzipBytes: number, notices: string[]): void {
  // Each round keeps a share of results proportional to how far over the limit we are
  // (with 10% headroom for the notifications themselves); a few rounds converge.
  for (let round = 0; round < 20; round++) {
    const size = gzippedSize(log);
    if (size <= maxGzipBytes) return;
    const total = log.runs.reduce((n, r) => n + (r.results?.length ?? 0), 0);
    if (total === 0) {
      throw new Error(
        `SARIF log is ${size} bytes gzipped with no results left to drop (limit ${maxGzipBytes})`,
      );
    }
    const share = Math.min(0.9, (maxGzipBytes / size) * 0.9);
    for (const run of log.runs) {
      const results = run.results ?? [];
      if (results.length === 0) continue;
      const keep = Math.floor(results.length * share);
      run.results = keepMostSevere(results, keep);
      note(
        run,
        notices,
        `SARIF truncated: ${results.length - keep} ${toolName(run)} result(s) dropped to stay under GitHub's ${maxGzipBytes}-byte gzipped upload limit (was ${size} bytes); the JSON report has them all`,
      );
    }
  }
  throw new Error('SARIF log could not be shrunk under the upload size limit');
}

/**
 * Results a file keeps ahead of everything else when a run must be cut: one file's
 * flood of findings (a generated file with thousands of `assert`s) must not push every
 * other file's findings out of code scanning.
 */
export const PER_FILE_FLOOR = 10;

function fileOf(r: Result): string {
  return r.locations?.[0]?.physicalLocation?.artifactLocation?.uri ?? '';
}

/**
 * `keep` results, in their original order, chosen fairly: first every file's most
 * severe results, round by round (each file's 1st, then each file's 2nd, ... up to
 * PER_FILE_FLOOR; within a round the more severe first), then the rest by severity.
 */
export function keepMostSevere(results: Result[], keep: number): Result[] {
  const rank = (i: number) => LEVEL_RANK[results[i]!.level ?? 'warning'] ?? 1;
  const byFile = new Map<string, number[]>();
  results.forEach((r, i) => {
    const f = fileOf(r);
    const list = byFile.get(f);
    if (list) list.push(i);
    else byFile.set(f, [i]);
  });
  const round = new Array<number>(results.length);
  for (const list of byFile.values()) {
    list.sort((a, b) => rank(a) - rank(b) || a - b);
    list.forEach((i, k) => {
      round[i] = k;
    });
  }
  const floor = (i: number) => (round[i]! < PER_FILE_FLOOR ? round[i]! : PER_FILE_FLOOR);
  const order = results
    .map((_, i) => i)
    .sort((a, b) => floor(a) - floor(b) || rank(a) - rank(b) || a - b)
    .slice(0, keep)
    .sort((a, b) => a - b);
  return order.map((i) => results[i]!);
}

function note(run: Run | undefined, notices: string[], text: string): void {
  notices.push(text);
  if (!run) return;
  run.invocations ??= [{ executionSuccessful: true }];
  const inv = run.invocations[0]!;
  const n: Notification = {
    level: 'warning',
    message: { text },
    descriptor: { id: TRUNCATION_NOTIFICATION_ID },
  };
  inv.toolExecutionNotifications = [...(inv.toolExecutionNotifications ?? []), n];
}

function toolName(run: Run): string {
  return run.tool.driver.name;
}
