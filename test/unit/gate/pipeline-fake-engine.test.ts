import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAirlockError } from '../../../src/errors.js';
import { GateCancelled } from '../../../src/gate/cancel.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport, ScriptReport } from '../../../src/report/types.js';
import { OWNER_HOST_LABEL, OWNER_PID_LABEL, OWNER_START_LABEL } from '../../../src/sandbox/container-spec.js';
import { liveContainers, untrackContainer } from '../../../src/sandbox/containers.js';
import { DEFAULT_CONTAINER_LABEL } from '../../../src/sandbox/profiles.js';
import type { GateSettings } from '../../../src/settings/gate-settings.js';
import { FakeBandit, FakeEngine } from '../../helpers/fake-engine.js';
import { commitOnBranch, git, initRepo } from '../../helpers/git-fixture.js';
import { hostileGateSettings } from '../../helpers/hostile-gate.js';

/**
 * runGate end to end with only the container engine and the scanner runner faked
 * (test/helpers/fake-engine.ts): real policy loading, discovery in a real git checkout,
 * staging, assessment, the batch and hardened runner, the report files. What it pins:
 * the order of the stages, failing closed, how engine outcomes become report statuses,
 * and cancellation. The real engine and scanners: test/integration/.
 */

const IMAGE = 'airlock-sandbox:fake';
const IMAGE_ID = `sha256:${'a'.repeat(64)}`;

/** The shipped default, Semgrep off (the fake scans with Bandit only), 1 s timeouts, one script at a time. */
const POLICY = `version: 1
name: fake-engine
extends: default
scanners:
  semgrep: { mode: off }
profiles:
  standard: { timeoutSeconds: 1 }
  restricted: { timeoutSeconds: 1 }
sandbox: { parallelism: 1 }
`;

let ws: string;
let engine: FakeEngine;
let bandit: FakeBandit;

beforeEach(async () => {
  ws = await mkdtemp(join(tmpdir(), 'airlock-pipeline-fake-'));
  engine = new FakeEngine({ [IMAGE]: IMAGE_ID });
  bandit = new FakeBandit(engine.calls);
});

afterEach(async () => {
  // A container the gone engine could not remove stays tracked for the exit hook,
  // which would ask the real docker CLI: these names are the fake's alone.
  for (const name of liveContainers()) untrackContainer(name);
  await rm(ws, { recursive: true, force: true });
});

async function workspace(files: Record<string, string>): Promise<GateSettings> {
  await initRepo(ws, { 'airlock.yml': POLICY, ...files });
  return hostileGateSettings(ws, IMAGE, { policy: join(ws, 'airlock.yml') });
}

function gate(settings: GateSettings, signal?: AbortSignal) {
  return runGate(settings, { progress: () => undefined, env: {}, engine, scanRunner: bandit.runner, signal });
}

const byPath = (report: GateReport) => new Map(report.scripts.map((s) => [s.path, s] as const));
const statusOf = (s: ScriptReport | undefined) => s?.execution?.status;

describe('runGate on a fake engine: ordering', () => {
  it('asks the engine first, scans everything before any container, and never runs a blocked script', async () => {
    const settings = await workspace({
      'ok.py': 'print("hello")\n',
      'evil.py': 'eval(input())\n',
      'tool.py': 'import subprocess\nsubprocess.run(["ls"])\n',
    });
    const { report } = await gate(settings);
    const s = byPath(report);

    expect(s.get('evil.py')).toMatchObject({ level: 'blocked', decision: 'blocked' });
    expect(s.get('evil.py')?.execution).toBeUndefined();
    expect(s.get('ok.py')).toMatchObject({ level: 'low', decision: 'executed' });
    expect(s.get('tool.py')).toMatchObject({ level: 'high', decision: 'executed' });
    expect(statusOf(s.get('ok.py'))).toBe('success');
    expect(s.get('tool.py')?.execution?.profile).toBe('restricted');
    // The blocked script never reached the engine: no container, no exec.
    expect(engine.executed.sort()).toEqual(['ok.py', 'tool.py']);
    expect(engine.calls.filter((c) => c.startsWith('create')).some((c) => c.includes('evil'))).toBe(false);

    // ping, then the image, then the scans, then the containers.
    const first = (p: string) => engine.calls.findIndex((c) => c.startsWith(p));
    const lastScan = engine.calls.findLastIndex((c) => c.startsWith('scan '));
    expect(first('ping')).toBe(0);
    expect(first(`imageId ${IMAGE}`)).toBeGreaterThan(0);
    expect(first('scan ')).toBeGreaterThan(first(`imageId ${IMAGE}`));
    expect(lastScan).toBeLessThan(first('create'));
    expect(report.image).toEqual({ ref: IMAGE, id: IMAGE_ID });
    // Every container it made is gone again.
    expect(engine.containers.size).toBe(0);
    expect(JSON.parse(await readFile(settings.reportFile, 'utf8')).verdict).toBe('fail');
  });

  it('sweeps an orphan of a dead process through the same engine before anything runs', async () => {
    const settings = await workspace({ 'ok.py': 'print(1)\n' });
    const orphan = (name: string, host: string) => ({
      name,
      labels: {
        [DEFAULT_CONTAINER_LABEL]: 'true',
        [OWNER_PID_LABEL]: '2147483646', // no such process
        [OWNER_START_LABEL]: '1',
        [OWNER_HOST_LABEL]: host,
      },
    });
    // Another host's container on a shared engine: its owner cannot be seen from here.
    engine.preexisting.push(orphan('airlock-dead-1', hostname()), orphan('airlock-other-host', 'elsewhere'));
    const { report } = await gate(settings);
    const removed = engine.calls.indexOf('remove airlock-dead-1');
    expect(removed).toBeGreaterThan(engine.calls.indexOf(`listContainers ${DEFAULT_CONTAINER_LABEL}`));
    expect(removed).toBeLessThan(engine.calls.findIndex((c) => c.startsWith('scan ')));
    expect(engine.calls).not.toContain('remove airlock-other-host');
    expect(report.notices).toContain('removed 1 orphaned sandbox container(s) of an earlier run');
  });
});

describe('runGate on a fake engine: a pull request', () => {
  it('gates only the Python files changed in base...head of the real checkout', async () => {
    const settings = await workspace({ 'old.py': 'eval(input())\n', 'kept.py': 'print(0)\n' });
    const base = await git(ws, ['rev-parse', 'HEAD']);
    const head = await commitOnBranch(ws, 'pr', { 'new.py': 'print(1)\n', 'kept.py': 'print(2)\n' });
    const { report } = await gate({ ...settings, changedBetween: { base, head } });
    expect(report.scripts.map((x) => x.path)).toEqual(['kept.py', 'new.py']);
    // The unchanged file is scanned too (a changed script could import it), never run.
    expect(bandit.runs.flatMap((r) => r.command).filter((a) => a.endsWith('.py'))).toEqual([
      './kept.py',
      './new.py',
      './old.py',
    ]);
    expect(report.modules?.map((m) => [m.path, m.level])).toEqual([['old.py', 'blocked']]);
    expect(engine.executed.sort()).toEqual(['kept.py', 'new.py']);
    expect(report.scripts.map((x) => statusOf(x))).toEqual(['success', 'success']);
  });
});

describe('runGate on a fake engine: fails closed', () => {
  it('an engine that does not answer: DOCKER_UNAVAILABLE naming it, nothing scanned or run, no report', async () => {
    const settings = await workspace({ 'ok.py': 'print(1)\n' });
    engine.goAway();
    const e = await gate(settings).catch((x: unknown) => x);
    expect(isAirlockError(e) && e.code).toBe('DOCKER_UNAVAILABLE');
    expect((e as Error).message).toContain(engine.endpoint);
    expect(bandit.runs).toEqual([]);
    expect(engine.executed).toEqual([]);
    expect(existsSync(settings.reportFile)).toBe(false);
  });

  it('an image the engine lacks: IMAGE_MISSING before any scan', async () => {
    const settings = await workspace({ 'ok.py': 'print(1)\n' });
    engine.images.clear();
    const e = await gate(settings).catch((x: unknown) => x);
    expect(isAirlockError(e) && e.code).toBe('IMAGE_MISSING');
    expect(bandit.runs).toEqual([]);
    expect(existsSync(settings.reportFile)).toBe(false);
  });

  it('the engine going away during execute: no script reports success, the verdict fails', async () => {
    const settings = await workspace({ 'a.py': 'print(1)\n', 'b.py': 'print(2)\n' });
    engine.behaviours.set('a.py', { kind: 'engine-gone' });
    const { report } = await gate(settings);
    const s = byPath(report);
    expect(statusOf(s.get('a.py'))).toBe('error');
    expect(s.get('a.py')?.execution?.reason).toMatch(/^the Docker engine stopped answering/);
    // b.py's run could not be carried out: an error too, never a success.
    expect(statusOf(s.get('b.py'))).toBe('error');
    expect(report.scripts.some((x) => statusOf(x) === 'success')).toBe(false);
    expect(report.verdict).toBe('fail');
  });

  it('a scanner that crashes: every script blocked, the engine runs nothing', async () => {
    const settings = await workspace({ 'ok.py': 'print(1)\n', 'b.py': 'print(2)\n' });
    bandit.fail = 'crash';
    const { report } = await gate(settings);
    expect(report.scanners).toMatchObject([{ tool: 'bandit', status: 'failed' }]);
    expect(report.scripts.map((x) => [x.path, x.level, x.decision])).toEqual([
      ['b.py', 'blocked', 'blocked'],
      ['ok.py', 'blocked', 'blocked'],
    ]);
    expect(engine.calls.filter((c) => /^(create|exec) /.test(c))).toEqual([]);
    expect(report.verdict).toBe('fail');
  });
});

describe('runGate on a fake engine: error classification', () => {
  it('oom, the timeout and an exit code become the report statuses', async () => {
    const settings = await workspace({
      'fine.py': 'print(1)\n',
      'fails.py': 'raise SystemExit(3)\n',
      'hog.py': 'x = " " * 10**10\n',
      'slow.py': 'while True: pass\n',
    });
    engine.behaviours.set('fails.py', { kind: 'exit', code: 3, stderr: 'no\n' });
    engine.behaviours.set('hog.py', { kind: 'oom' });
    engine.behaviours.set('slow.py', { kind: 'hang' });
    const { report } = await gate(settings);
    const s = byPath(report);
    expect(statusOf(s.get('fine.py'))).toBe('success');
    expect(s.get('fails.py')?.execution).toMatchObject({ status: 'failure', exitCode: 3, stderr: 'no\n' });
    expect(statusOf(s.get('hog.py'))).toBe('oom');
    expect(s.get('slow.py')?.execution).toMatchObject({ status: 'timeout', exitCode: null });
    expect(report.verdict).toBe('fail');
    expect(report.verdictReasons.join('\n')).toMatch(/oom/);
    expect(report.verdictReasons.join('\n')).toMatch(/timeout/);
    expect(engine.containers.size).toBe(0);
  });
});

describe('runGate on a fake engine: cancellation', () => {
  it('an abort while a script runs: that run cancelled, the next one skipped and never started', async () => {
    const settings = await workspace({ 'a.py': 'print(1)\n', 'b.py': 'print(2)\n' });
    const cancel = new AbortController();
    engine.behaviours.set('a.py', { kind: 'hang' });
    engine.onExec = (script) => {
      if (script === 'a.py') setTimeout(() => cancel.abort(new GateCancelled('SIGINT')), 50);
    };
    const { report } = await gate(settings, cancel.signal);
    const s = byPath(report);
    expect(s.get('a.py')).toMatchObject({ decision: 'executed' });
    expect(statusOf(s.get('a.py'))).toBe('cancelled');
    expect(s.get('b.py')).toMatchObject({ decision: 'skipped' });
    expect(s.get('b.py')?.execution).toBeUndefined();
    expect(engine.executed).toEqual(['a.py']);
    expect(report.cancelled).toEqual({ signal: 'SIGINT', inFlight: 1, notStarted: 1 });
    expect(report.verdict).toBe('fail');
    expect(engine.containers.size).toBe(0);
  });

  it('an abort before the run: no scanner and no script starts, the scan counts as incomplete', async () => {
    const settings = await workspace({ 'a.py': 'print(1)\n' });
    const cancel = new AbortController();
    cancel.abort(new GateCancelled('SIGTERM'));
    const { report } = await gate(settings, cancel.signal);
    expect(bandit.runs).toEqual([]);
    expect(engine.executed).toEqual([]);
    expect(report.scripts[0]).toMatchObject({ level: 'blocked', decision: 'blocked' });
    expect(report.cancelled).toMatchObject({ signal: 'SIGTERM' });
  });
});
