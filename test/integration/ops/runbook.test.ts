import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAuditKeyPair, openAuditLog } from '../../../src/audit/index.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import type { ExecutionStatus } from '../../../src/report/types.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';
import {
  fetchAlerts,
  gatewayGroups,
  type PrometheusStack,
  startPrometheusStack,
} from '../telemetry/prometheus-stack.js';
import { extractRunbookBlocks, type RunbookBlock } from './runbook-blocks.js';

/**
 * Runs every `sh test` block of the operations runbook, as written, section by
 * section in a fresh fixture: a repository that uses Airlock, with a real signed
 * audit log (src/audit writer), a gate job log of real telemetry lines, a script the
 * default policy blocks, and a real Prometheus whose SandboxFailureBurst is firing.
 *
 * `airlock` in the blocks is a shim for `node dist/cli.js`, the shipped CLI. Set
 * AIRLOCK_RUNBOOK_CLI=src to run the TypeScript sources instead (for a machine where
 * dist/ has not been rebuilt yet); CI uses dist/.
 */

const RUNBOOK = 'docs/operations/RUNBOOK_SANDBOX_OPERATIONS.md';
const REPO = resolve('.');
const INSTANCE = 'octo/runbook';
/** A repository that stopped running the gate 3 hours ago: the cleanup block deletes its group. */
const ABANDONED = 'octo/abandoned';

let stack: PrometheusStack;
let scratch: string;
let shimDir: string;

const blocks = extractRunbookBlocks(await readFile(RUNBOOK, 'utf8'));
const sections = [...new Set(blocks.filter((b) => b.kind !== 'github').map((b) => b.section))];

const RUNS: { path: string; status: ExecutionStatus; exitCode: number }[] = [
  { path: 'scripts/plot.py', status: 'success', exitCode: 0 },
  { path: 'scripts/etl.py', status: 'failure', exitCode: 1 },
  { path: 'scripts/big.py', status: 'oom', exitCode: 137 },
  { path: 'scripts/spin.py', status: 'timeout', exitCode: 137 },
];

async function writeShim(): Promise<string> {
  const dir = join(scratch, 'bin');
  await mkdir(dir);
  const cli =
    process.env.AIRLOCK_RUNBOOK_CLI === 'src'
      ? `exec node --import "${REPO}/node_modules/tsx/dist/loader.mjs" "${REPO}/src/cli/index.ts" "$@"`
      : `exec node "${REPO}/dist/cli.js" "$@"`;
  await writeFile(join(dir, 'airlock'), `#!/bin/sh\n${cli}\n`);
  await chmod(join(dir, 'airlock'), 0o755);
  return dir;
}

/** A repository that uses Airlock, after a few gate runs. */
async function makeWorkspace(dir: string): Promise<void> {
  const keys = generateAuditKeyPair();
  await mkdir(join(dir, '.airlock', 'audit'), { recursive: true });
  await writeFile(join(dir, '.airlock', 'audit-public.pem'), keys.publicPem);
  const writer = await openAuditLog({
    log: join(dir, '.airlock', 'audit', 'audit.log'),
    origin: `github.com/${INSTANCE}/airlock-audit`,
    signingKeyPem: keys.privatePem,
  });
  await writer.append('run.start', {
    image: { ref: 'airlock-sandbox:local', id: `sha256:${'1'.repeat(64)}` },
  });
  for (const r of RUNS) {
    await writer.append('execution', { ...r, sha256: 'a'.repeat(64), durationMs: 1200 });
  }
  await writer.close();

  const lines = ['##[group]airlock gate', 'record: audit log .airlock/audit/audit.log'];
  const telemetry = createTelemetry({ env: {}, runId: '9876543210-1', log: (l) => lines.push(l) });
  for (const r of RUNS) {
    telemetry.recordSandboxRun({
      status: r.status,
      exitCode: r.exitCode,
      scriptPath: r.path,
      sha256: 'a'.repeat(64),
      durationMs: 1200,
    });
  }
  lines.push('##[endgroup]');
  await writeFile(join(dir, 'gate-job.log'), `${lines.join('\n')}\n`);

  await mkdir(join(dir, 'scripts'));
  await writeFile(
    join(dir, 'scripts', 'load_model.py'),
    'import pickle\n\nwith open("model.pkl", "rb") as f:\n    model = pickle.load(f)\nprint(model)\n',
  );
  await chmod(dir, 0o755);
}

/**
 * Three CI runs of INSTANCE, one failed sandboxed run each, each pushing its own group:
 * SandboxFailureBurst fires. Before them, ABANDONED's last run, reported 3 hours ago.
 */
async function makeAlertFire(): Promise<void> {
  const push = async (instance: string, runId: string, status: ExecutionStatus, now?: () => Date) => {
    const t = createTelemetry({
      env: { AIRLOCK_PUSHGATEWAY_URL: stack.pushgatewayUrl, AIRLOCK_METRICS_INSTANCE: instance },
      runId,
      log: () => undefined,
      now,
    });
    t.recordSandboxRun({
      status,
      durationMs: 500,
      exitCode: status === 'success' ? 0 : 1,
      scriptPath: 'x.py',
      sha256: 'b',
    });
    expect((await t.flush()).pushgateway).toBe('sent');
  };
  await push(ABANDONED, '1111-1-0a0a0a0a', 'failure', () => new Date(Date.now() - 3 * 3600_000));
  for (let i = 0; i < 3; i++) await push(INSTANCE, `${2000 + i}-1-0b0b0b0b`, 'failure');
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const alerts = await fetchAlerts(stack.promUrl);
    if (alerts.some((a) => a.labels.alertname === 'SandboxFailureBurst' && a.state === 'firing')) return;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error('SandboxFailureBurst did not fire for the runbook fixture');
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'airlock-runbook-'));
  shimDir = await writeShim();
  stack = await startPrometheusStack();
  await makeAlertFire();
});

afterAll(async () => {
  await stack?.stop();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function pick(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of keys) if (env[k] !== undefined) out[k] = env[k]!;
  return out;
}

async function runBlock(block: RunbookBlock, workspace: string, tmp: string) {
  return tryRunCommand('bash', ['-euo', 'pipefail', '-c', block.script], {
    cwd: block.kind === 'repo' ? REPO : workspace,
    // Only what the commands need, never the test runner's whole environment; the
    // machine's CA settings pass (the image build's npm step needs them behind a TLS proxy).
    env: {
      ...pick(process.env, ['NODE_EXTRA_CA_CERTS', 'SSL_CERT_FILE', 'SSL_CERT_DIR', 'DOCKER_HOST']),
      PATH: `${shimDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? '/root',
      LANG: 'C.UTF-8',
      TMPDIR: tmp,
      PROMETHEUS_URL: stack.promUrl,
      AIRLOCK_PUSHGATEWAY_URL: stack.pushgatewayUrl,
      AIRLOCK_METRICS_INSTANCE: INSTANCE,
    },
    timeoutMs: 900_000,
  });
}

describe(RUNBOOK, () => {
  it('marks every shell block as tested or GitHub-only', () => {
    expect(blocks.filter((b) => b.kind !== 'github').length).toBeGreaterThanOrEqual(10);
    // GitHub-only blocks are the exception, not the rule.
    expect(blocks.filter((b) => b.kind === 'github').length).toBeLessThanOrEqual(3);
  });

  it.each(sections)(
    'section "%s": every `sh test` block succeeds',
    { timeout: 1_800_000 },
    async (section) => {
      const sectionDir = await mkdtemp(join(scratch, 'section-'));
      const workspace = join(sectionDir, 'repo');
      const tmp = join(sectionDir, 'tmp');
      await mkdir(workspace);
      await mkdir(tmp);
      await makeWorkspace(workspace);
      const outputs: string[] = [];
      for (const block of blocks.filter((b) => b.section === section && b.kind !== 'github')) {
        const r = await runBlock(block, workspace, tmp);
        const where = `${RUNBOOK}:${block.line} (${block.kind})`;
        if (r.exitCode !== 0) {
          throw new Error(
            `${where} exited ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}\n${block.script}\n--- stdout\n${r.stdout.slice(-3000)}\n--- stderr\n${r.stderr.slice(-3000)}`,
          );
        }
        outputs.push(r.stdout);
      }
      const out = outputs.join('\n');
      // The blocks do what the prose says, not merely exit 0.
      if (section.startsWith('Responding to SandboxFailureBurst')) {
        expect(out).toContain(`"instance":"${INSTANCE}"`);
        expect(out).toContain('"script_path":"scripts/big.py","status":"oom"');
        expect(out).toContain('"path":"scripts/spin.py"');
      }
      if (section.startsWith('Building and publishing')) {
        expect(out).toContain('uid 10001');
        expect(out).toMatch(/"bandit"/);
        expect(out).toMatch(/^built \d{4}-\d\d-\d\d/m);
      }
      if (section.startsWith('When the gate blocks')) {
        // Blocked first, for the reason the section names; then allowed by the one entry.
        expect(out).toContain('"path":"scripts/load_model.py","level":"blocked"');
        expect(out).toMatch(/"tool":"bandit","ruleId":"B301"/);
        expect(out.trim().endsWith('true')).toBe(true);
      }
      if (section.startsWith('Metrics')) {
        // One group per CI run, each with its own single failure...
        const runs = out.split('\n').filter((l) => l.startsWith('{"run_id":'));
        expect(runs).toHaveLength(3);
        for (const r of runs)
          expect(JSON.parse(r).runs).toMatchObject({ failure: 1, success: 0, cancelled: 0 });
        // ...which the alert's expression adds up...
        expect(out).toContain(`{"instance":"${INSTANCE}","failed_runs_5m":"3"}`);
        // ...and the abandoned repository's 3-hour-old group is deleted, nothing else.
        const b64 = (v: string) => Buffer.from(v).toString('base64url');
        expect(out).toContain(
          `deleted /metrics/job@base64/${b64('airlock')}/instance@base64/${b64(ABANDONED)}/`,
        );
        expect(out.match(/^deleted /gm)).toHaveLength(1);
        expect(await gatewayGroups(stack.pushgatewayUrl, ABANDONED)).toEqual([]);
        expect(await gatewayGroups(stack.pushgatewayUrl, INSTANCE)).toHaveLength(3);
      }
      if (section.startsWith('Reading and verifying')) {
        expect(out).toContain('consistent with the trusted checkpoint');
        expect(out).toContain('"status":"failure"');
        expect(out.trim().endsWith('true')).toBe(true);
      }
      if (section.startsWith('Rotating the signing key')) {
        const pem = await readFile(join(workspace, '.airlock', 'audit-public.pem'), 'utf8');
        const archived = await tryRunCommand('bash', ['-c', 'cat .airlock/audit-archive/*/public.pem'], {
          cwd: workspace,
        });
        expect(pem).toContain('BEGIN PUBLIC KEY');
        expect(archived.stdout).toContain('BEGIN PUBLIC KEY');
        expect(archived.stdout).not.toBe(pem);
      }
    },
  );
});
