import { randomBytes } from 'node:crypto';
import { rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Location, Log, Notification, Result, Run } from 'sarif';
import { SCANNERS } from '../scan/registry.js';
import type { RuleMeta } from '../scan/types.js';
import { VERSION } from '../version.js';
import { enforceSarifLimits, GITHUB_SARIF_LIMITS, type SarifLimits } from './sarif-limits.js';
import { ruleCatalog, ruleDescriptor, SARIF_LEVEL } from './sarif-rules.js';
import { SourceFingerprints } from './sarif-sources.js';
import { relativeSarifUri } from './sarif-uri.js';
import type { Finding, GateReport, ScannerName, ScannerStatus, ScriptReport } from './types.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
export const SRCROOT = '%SRCROOT%';
/** Result messages are scanner output about hostile code: bounded. */
const MAX_MESSAGE_CHARS = 2000;

/** SARIF `tool.driver` per tool: each scanner's from its definition (src/scan/registry.ts). */
const DRIVERS = new Map<ScannerName, { name: string; informationUri?: string }>([
  ...SCANNERS.map((s) => [s.name, { ...s.driver }] as const),
  ['airlock', { name: 'Airlock' }],
]);

export interface SarifInput {
  scripts: readonly ScriptReport[];
  scanners: readonly ScannerStatus[];
  /** Code scanning category (`automationDetails.id` = `<category>/`). */
  category: string;
  /** Rule descriptions from the scanners (ScanOutcome.rules) and our Semgrep rules. */
  rules?: readonly RuleMeta[];
  /** Overrides ScannerStatus.version. */
  toolVersions?: Partial<Record<ScannerName, string>>;
  /** Directory holding the scanned bytes (the staged copy), for primaryLocationLineHash. */
  sourceRoot?: string;
  /** Or the sources themselves, relative path -> text. */
  sources?: ReadonlyMap<string, string>;
  /** Absolute `file://` URI (ending in `/`) of the workspace, for originalUriBaseIds. */
  srcRootUri?: string;
  limits?: SarifLimits;
  /** The gate was cancelled: the Airlock run says so and is not `executionSuccessful`. */
  cancelled?: GateReport['cancelled'];
}

export interface SarifBuild {
  log: Log;
  /** One line per truncation made to fit GitHub's limits (also a notification in the run). */
  notices: string[];
}

/**
 * SARIF 2.1.0 for GitHub code scanning: one run per tool (Bandit, Semgrep, and Airlock
 * for its own findings such as scan errors). Allowlisted findings are left out
 * (GitHub ignores SARIF suppressions and would show them as open alerts); the JSON
 * report keeps them.
 *
 * A scanner that did not run gets no run of its own: an empty run would tell GitHub
 * that all of that tool's earlier alerts are fixed. Its failure or absence is a
 * notification in the Airlock run instead, and `executionSuccessful` says so.
 */
export function buildSarif(input: SarifInput): SarifBuild {
  const catalog = ruleCatalog(input.rules);
  const fingerprints = new SourceFingerprints(input.sourceRoot, input.sources);
  const byTool = new Map<ScannerName, { path: string; finding: Finding }[]>();
  for (const script of input.scripts) {
    for (const finding of script.findings) {
      if (finding.allowlisted) continue;
      const list = byTool.get(finding.tool) ?? [];
      list.push({ path: script.path, finding });
      byTool.set(finding.tool, list);
    }
  }
  const status = new Map(input.scanners.map((s) => [s.tool, s]));
  const runs: Run[] = [];
  for (const { name: tool } of SCANNERS) {
    const s = status.get(tool);
    if ((s && s.status === 'ran') || byTool.has(tool))
      runs.push(toolRun(tool, byTool.get(tool) ?? [], s, input, catalog, fingerprints));
  }
  runs.push(airlockRun(byTool.get('airlock') ?? [], input, catalog, fingerprints));
  const log: Log = { version: '2.1.0', $schema: SARIF_SCHEMA, runs };
  const notices = enforceSarifLimits(log, input.limits ?? GITHUB_SARIF_LIMITS);
  return { log, notices };
}

function toolRun(
  tool: ScannerName,
  items: { path: string; finding: Finding }[],
  s: ScannerStatus | undefined,
  input: SarifInput,
  catalog: ReturnType<typeof ruleCatalog>,
  fp: SourceFingerprints,
): Run {
  const notifications: Notification[] = [];
  if (s?.message) notifications.push({ level: 'note', message: { text: s.message } });
  const version = input.toolVersions?.[tool] ?? s?.version;
  return baseRun(tool, version, items, input, catalog, fp, s?.status !== 'failed', notifications);
}

function airlockRun(
  items: { path: string; finding: Finding }[],
  input: SarifInput,
  catalog: ReturnType<typeof ruleCatalog>,
  fp: SourceFingerprints,
): Run {
  const notifications: Notification[] = [];
  let ok = true;
  for (const s of input.scanners) {
    if (s.status === 'ran') continue;
    if (s.status === 'failed') ok = false;
    notifications.push({
      level: s.status === 'failed' ? 'error' : 'warning',
      message: { text: `${s.tool} ${s.status}${s.message ? `: ${s.message}` : ''}` },
      descriptor: { id: `airlock/scanner-${s.status}` },
    });
  }
  // Denied egress attempts are visible even when the script then succeeded
  // (docs/egress.md): one warning per script, naming the first few.
  for (const sc of input.scripts) {
    const denied = (sc.execution?.egress ?? []).filter((q) => !q.allowed);
    if (denied.length === 0) continue;
    const shown = denied
      .slice(0, 5)
      .map((q) => `${q.method} ${q.host}:${q.port} (${q.reason})`)
      .join('; ');
    const more = denied.length > 5 ? `; and ${denied.length - 5} more` : '';
    notifications.push({
      level: 'warning',
      message: {
        text: `${sc.path}: ${denied.length} network request(s) denied by the egress allowlist: ${shown}${more}`,
      },
      descriptor: { id: 'airlock/egress-denied' },
      locations: [{ physicalLocation: { artifactLocation: { uri: sc.path, uriBaseId: '%SRCROOT%' } } }],
    });
  }
  if (input.cancelled) {
    ok = false;
    const c = input.cancelled;
    notifications.push({
      level: 'error',
      message: {
        text: `the gate was cancelled by ${c.signal}: ${c.inFlight} run(s) stopped, ${c.notStarted} script(s) not started; this analysis is partial`,
      },
      descriptor: { id: 'airlock/cancelled' },
    });
  }
  return baseRun('airlock', VERSION, items, input, catalog, fp, ok, notifications);
}

function baseRun(
  tool: ScannerName,
  version: string | undefined,
  items: { path: string; finding: Finding }[],
  input: SarifInput,
  catalog: ReturnType<typeof ruleCatalog>,
  fp: SourceFingerprints,
  executionSuccessful: boolean,
  notifications: Notification[],
): Run {
  const sorted = items
    .filter((it) => relativeSarifUri(it.path) !== null)
    .sort(
      (a, b) =>
        cmp(a.path, b.path) || a.finding.line - b.finding.line || cmp(a.finding.ruleId, b.finding.ruleId),
    );
  const ruleIds = [...new Set(sorted.map((it) => it.finding.ruleId))].sort(cmp);
  const ruleIndex = new Map(ruleIds.map((id, i) => [id, i]));
  const rules = ruleIds.map((id) =>
    ruleDescriptor(
      tool,
      id,
      sorted.filter((it) => it.finding.ruleId === id).map((it) => it.finding),
      catalog,
    ),
  );
  const results = sorted.map((it) => toResult(it.path, it.finding, ruleIndex.get(it.finding.ruleId)!, fp));
  const driver: Run['tool']['driver'] = { ...DRIVERS.get(tool)!, rules };
  if (version) {
    driver.version = version;
    if (/^\d+\.\d+\.\d+/.test(version)) driver.semanticVersion = version;
  }
  const category = input.category.replace(/\/+$/, '') || 'airlock';
  return {
    tool: { driver },
    automationDetails: { id: `${category}/` },
    originalUriBaseIds: {
      [SRCROOT]: input.srcRootUri
        ? { uri: input.srcRootUri }
        : { description: { text: 'The root of the scanned workspace (the repository checkout).' } },
    },
    invocations: [{ executionSuccessful, toolExecutionNotifications: notifications }],
    results,
  };
}

function toResult(relPath: string, f: Finding, ruleIndex: number, fp: SourceFingerprints): Result {
  const region: NonNullable<NonNullable<Location['physicalLocation']>['region']> = { startLine: f.line };
  if (f.column && f.column >= 1) region.startColumn = f.column;
  if (f.endLine && f.endLine >= f.line) region.endLine = f.endLine;
  const text = f.message.trim() || f.ruleId;
  const result: Result = {
    ruleId: f.ruleId,
    ruleIndex,
    level: SARIF_LEVEL[f.severity],
    message: { text: text.length > MAX_MESSAGE_CHARS ? `${text.slice(0, MAX_MESSAGE_CHARS)}…` : text },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: relativeSarifUri(relPath)!, uriBaseId: SRCROOT },
          region,
        },
      },
    ],
    properties: { confidence: f.confidence, severity: f.severity },
  };
  const hash = fp.hashFor(relPath, f.line);
  if (hash) result.partialFingerprints = { primaryLocationLineHash: hash };
  return result;
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Writes the log atomically (temp file + rename): a reader never sees half a file. */
export async function writeSarif(log: Log, file: string): Promise<{ bytes: number }> {
  const body = `${JSON.stringify(log, null, 2)}\n`;
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, body, { mode: 0o644, flag: 'wx' });
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  return { bytes: Buffer.byteLength(body) };
}
