import { createPrivateKey } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import canonicalize from 'canonicalize';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAuditKeyPair, openAuditLog, verifyAuditLog } from '../../../src/audit/index.js';
import { loadVerdictCache } from '../../../src/cache/verdict-cache.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { defaultEngine } from '../../../src/sandbox/docker-engine.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import type { ExecuteScripts, GateSettings } from '../../../src/settings/gate-settings.js';

/**
 * The verdict cache as a user meets it: the shipped image (real Bandit and Semgrep),
 * the shipped default policy, a signed audit log that several gates in a row append to.
 * The scanner containers each gate starts are recorded (the real runner, wrapped), so
 * "reused" is checked by what did not run, not only by what the report says.
 */
const IMAGE = 'airlock-sandbox:local';
// A throwaway image with another id and the same tools: only the id differs.
const OTHER_IMAGE = 'airlock-cache-test:local';
const ORIGIN = 'example.test/verdict-cache';

const SCRIPTS: Record<string, string> = {
  'mean.py': 'import statistics\nprint(statistics.mean([1, 2, 3]))\n',
  'total.py': 'print(sum(range(10)))\n',
  'evil.py': 'print(eval("6*7"))\n',
  // Bandit B311 (low under the default policy): a finding that is reused and still runs.
  'rand.py': 'import random\nprint(random.random())\n',
};

interface Entry {
  seq: number;
  kind: string;
  data: {
    path: string;
    cache: {
      key: string;
      findings: { tool: string; ruleId: string }[];
      reuses: { seq: number; hash: string };
    };
  };
}

interface Sarif {
  runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
}

describe('verdict cache (shipped image, real scanners, signed audit log)', () => {
  let ws: string;
  let log: string;
  let keys: ReturnType<typeof generateAuditKeyPair>;
  let emptyCheckpoint: string;
  let first: { report: GateReport; entries: Entry[]; scanned: string[][] };

  const allEntries = async (): Promise<Entry[]> =>
    (await readFile(log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Entry);

  /** One gate; returns its report, its own audit entries and the file lists each scanner container was given. */
  async function gate(over: Partial<GateSettings> & { execute?: ExecuteScripts } = {}) {
    const before = (await allEntries().catch(() => [])).length;
    const calls: HardenedRunSpec[] = [];
    const out = join(ws, '.airlock', 'out');
    const { execute, ...rest } = over;
    const settings: GateSettings = {
      workspace: ws,
      paths: ['.'],
      mode: 'gate',
      imageRef: IMAGE,
      outDir: out,
      reportFile: join(out, 'report.json'),
      sarifFile: join(out, 'airlock.sarif'),
      sarifCategory: 'airlock-cache',
      audit: { log, origin: ORIGIN, signingKey: createPrivateKey(keys.privatePem) },
      run: {},
      executeScripts: execute,
      ...rest,
    };
    const { report } = await runGate(settings, {
      progress: () => undefined,
      env: {},
      scanRunner: (run) => {
        calls.push(run);
        return runHardened(run, defaultEngine());
      },
    });
    const entries = (await allEntries()).slice(before);
    // The scan containers (not the `--version` probes): the files each was asked to read.
    const scanned = calls
      .filter((c) => !c.label?.endsWith('-version'))
      .map((c) => c.command.filter((a) => a.endsWith('.py')).map((a) => a.replace(/^\.\//, '')));
    const probes = calls.filter((c) => c.label?.endsWith('-version')).length;
    return { report, entries, scanned, probes };
  }

  const scanEntries = (entries: Entry[]) =>
    entries.filter((e) => e.kind === 'scan' || e.kind === 'scan.reused');
  const byPath = (report: GateReport) => new Map(report.scripts.map((s) => [s.path, s]));

  beforeAll(async () => {
    ws = await mkdtemp(join(tmpdir(), 'airlock-cache-'));
    await chmod(ws, 0o755);
    for (const [p, text] of Object.entries(SCRIPTS)) await writeFile(join(ws, p), text);
    log = join(ws, 'audit', 'log.jsonl');
    keys = generateAuditKeyPair();
    // The log's first, empty signed checkpoint: kept for the forged-tail case below.
    const w = await openAuditLog({ log, origin: ORIGIN, signingKey: createPrivateKey(keys.privatePem) });
    emptyCheckpoint = (await w.close()).checkpoint;
    first = await gate();
  }, 600_000);

  afterAll(async () => {
    await tryRunCommand('docker', ['rmi', '-f', OTHER_IMAGE], { timeoutMs: 60_000 });
    if (ws) await rm(ws, { recursive: true, force: true });
  });

  it('a cold gate scans every script and keeps each result under its key in a signed scan entry', () => {
    expect(first.scanned.flat().sort()).toEqual([...Object.keys(SCRIPTS), ...Object.keys(SCRIPTS)].sort());
    const scans = scanEntries(first.entries);
    expect(scans.map((e) => e.kind)).toEqual(['scan', 'scan', 'scan', 'scan']);
    for (const e of scans) expect(e.data.cache.key).toMatch(/^[0-9a-f]{64}$/);
    const evil = scans.find((e) => e.data.path === 'evil.py')!;
    expect(evil.data.cache.findings.map((f) => `${f.tool}:${f.ruleId}`)).toContain('bandit:B307');
    expect(byPath(first.report).get('evil.py')?.level).toBe('blocked');
    expect(
      byPath(first.report)
        .get('rand.py')
        ?.findings.map((f) => f.ruleId),
    ).toContain('B311');
    expect(byPath(first.report).get('rand.py')?.level).toBe('low');
    expect(first.report.scripts.every((s) => s.reusedScan === undefined)).toBe(true);
  });

  it('a second gate of unchanged scripts reuses every scan, pointing at the entries of the first, and runs no scanner', async () => {
    const second = await gate();
    expect(second.scanned).toEqual([]);
    // Not even the version probes: the signed entries say which versions this image id holds.
    expect(second.probes).toBe(0);
    const kept = new Map(scanEntries(first.entries).map((e) => [e.data.path, e]));
    const lines = (await readFile(log, 'utf8')).split('\n');
    const { createHash } = await import('node:crypto');
    for (const e of scanEntries(second.entries)) {
      expect(e.kind).toBe('scan.reused');
      const target = kept.get(e.data.path)!;
      expect(e.data.cache.reuses.seq).toBe(target.seq);
      expect(e.data.cache.reuses.hash).toBe(
        createHash('sha256').update(`${lines[target.seq]}\n`).digest('hex'),
      );
      expect(e.data.cache.key).toBe(target.data.cache.key);
    }
    // The same verdict from the reused results: levels, findings, and the scanners named with their versions.
    const a = byPath(first.report);
    for (const s of second.report.scripts) {
      expect(s.level).toBe(a.get(s.path)!.level);
      expect(s.findings.map((f) => [f.tool, f.ruleId, f.line])).toEqual(
        a.get(s.path)!.findings.map((f) => [f.tool, f.ruleId, f.line]),
      );
      expect(s.reusedScan?.seq).toBe(kept.get(s.path)!.seq);
    }
    expect(second.report.scanners.map((s) => [s.tool, s.status, s.version])).toEqual(
      first.report.scanners.map((s) => [s.tool, s.status, s.version]),
    );
    // No event and no --base/--head: a push, so every runnable script ran again.
    expect(second.report.scripts.filter((s) => s.decision === 'executed').length).toBe(3);
    // The SARIF describes the same results, rules included.
    const sarif = JSON.parse(await readFile(join(ws, '.airlock', 'out', 'airlock.sarif'), 'utf8')) as Sarif;
    const ids = sarif.runs.flatMap((r) => r.results.map((x) => x.ruleId)).sort();
    expect(ids).toEqual(expect.arrayContaining(['B307', 'B311']));
    expect(sarif.runs.flatMap((r) => r.tool.driver.rules.map((x) => x.id))).toEqual(
      expect.arrayContaining(['B307', 'B311']),
    );
    // audit verify accepts the reuse entries (it checks each pointer).
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem, strict: true });
    expect(v.entries).toBe(lines.length - 1);
  }, 600_000);

  it('execute changed: unchanged scripts are not run, and say so', async () => {
    const third = await gate({ execute: 'changed' });
    expect(third.scanned).toEqual([]);
    const s = byPath(third.report);
    for (const p of ['mean.py', 'total.py', 'rand.py']) {
      expect(s.get(p)).toMatchObject({ decision: 'skipped', unchanged: true });
      expect(s.get(p)?.execution).toBeUndefined();
    }
    expect(s.get('evil.py')?.decision).toBe('blocked');
    expect(third.entries.filter((e) => e.kind === 'execution')).toEqual([]);
    expect(third.report.notices.join('\n')).toContain(
      '3 unchanged script(s) not run (execute.scripts: changed)',
    );
    // Blocked is still blocked: the verdict is the first run's.
    expect(third.report.verdict).toBe(first.report.verdict);
  }, 600_000);

  it('one changed script is rescanned alone, and is the only one run under execute changed', async () => {
    await writeFile(join(ws, 'total.py'), 'print(sum(range(20)))\n');
    const fourth = await gate({ execute: 'changed' });
    expect(fourth.scanned).toEqual([['total.py'], ['total.py']]);
    expect(fourth.probes).toBe(2);
    const kinds = new Map(scanEntries(fourth.entries).map((e) => [e.data.path, e.kind]));
    expect(Object.fromEntries(kinds)).toEqual({
      'mean.py': 'scan.reused',
      'total.py': 'scan',
      'evil.py': 'scan.reused',
      'rand.py': 'scan.reused',
    });
    const s = byPath(fourth.report);
    expect(s.get('total.py')?.decision).toBe('executed');
    expect(s.get('total.py')?.execution?.stdout).toContain('190');
    expect(s.get('mean.py')?.unchanged).toBe(true);
  }, 600_000);

  it('a changed policy invalidates every key', async () => {
    const policy = join(ws, 'policy.yml');
    await writeFile(policy, 'version: 1\nextends: default\nlimits:\n  maxFiles: 999\n');
    const fifth = await gate({ policy });
    expect(fifth.scanned.flat().sort()).toEqual([...Object.keys(SCRIPTS), ...Object.keys(SCRIPTS)].sort());
    expect(scanEntries(fifth.entries).map((e) => e.kind)).toEqual(['scan', 'scan', 'scan', 'scan']);
  }, 600_000);

  it('a changed image id invalidates every key', async () => {
    const ctx = await mkdtemp(join(tmpdir(), 'airlock-cache-image-'));
    try {
      await writeFile(join(ctx, 'Dockerfile'), `FROM ${IMAGE}\nLABEL airlock.test=verdict-cache\n`);
      const built = await tryRunCommand('docker', ['build', '-q', '-t', OTHER_IMAGE, ctx], {
        timeoutMs: 300_000,
      });
      expect(built.exitCode, built.stderr).toBe(0);
    } finally {
      await rm(ctx, { recursive: true, force: true });
    }
    const sixth = await gate({ imageRef: OTHER_IMAGE });
    expect(sixth.report.image.id).not.toBe(first.report.image.id);
    expect(sixth.scanned.flat().sort()).toEqual([...Object.keys(SCRIPTS), ...Object.keys(SCRIPTS)].sort());
    expect(scanEntries(sixth.entries).map((e) => e.kind)).toEqual(['scan', 'scan', 'scan', 'scan']);
  }, 600_000);

  it('a forged result in the unsigned tail is not reused: the scan runs cold', async () => {
    // Roll the checkpoint back to the log's first, empty one (validly signed): every
    // entry is now an unsigned tail, chain-linked like anything a forger could append.
    await writeFile(`${log}.checkpoint`, emptyCheckpoint);
    expect(
      (await loadVerdictCache({ log, origin: ORIGIN, signingKey: createPrivateKey(keys.privatePem) })).byKey
        .size,
    ).toBe(0);
    const seventh = await gate();
    expect(seventh.scanned.flat().sort()).toEqual([...Object.keys(SCRIPTS), ...Object.keys(SCRIPTS)].sort());
    expect(scanEntries(seventh.entries).map((e) => e.kind)).toEqual(['scan', 'scan', 'scan', 'scan']);
  }, 600_000);

  it('a tampered signed entry: nothing is reused and the gate refuses the log', async () => {
    const cache = await loadVerdictCache({
      log,
      origin: ORIGIN,
      signingKey: createPrivateKey(keys.privatePem),
    });
    expect(cache.byKey.size).toBeGreaterThan(0);
    // Rewrite evil.py's kept result to "no findings": the line stays canonical, the chain breaks.
    const lines = (await readFile(log, 'utf8')).trimEnd().split('\n');
    const i = lines.findLastIndex((l) => l.includes('"kind":"scan"') && l.includes('"path":"evil.py"'));
    const e = JSON.parse(lines[i]!);
    expect(e.data.cache.findings.length).toBeGreaterThan(0);
    e.data.cache.findings = [];
    lines[i] = canonicalize(e)!;
    await writeFile(log, `${lines.join('\n')}\n`);
    const tampered = await loadVerdictCache({
      log,
      origin: ORIGIN,
      signingKey: createPrivateKey(keys.privatePem),
    });
    expect(tampered.byKey.size).toBe(0);
    expect(tampered.unusable).toMatch(/did not verify/);
    await expect(gate()).rejects.toMatchObject({ code: 'AUDIT_CHAIN_BROKEN' });
  }, 600_000);
});
