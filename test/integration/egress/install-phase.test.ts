import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GateReport } from '../../../src/report/types.js';
import { runCli } from '../../helpers/cli-capture.js';
import { type EgressUpstream, startEgressUpstream } from '../../helpers/egress-upstream.js';
import { type BuiltWheel, writeWheelIndex } from '../../helpers/pypi-index.js';

// The install phase for real (docs/egress.md, "Install phase"): a PEP 503 index with one
// wheel built here, served over TLS by a host in its own network namespace and reached
// through Airlock's proxy as an allowed name (index.test resolves through /etc/hosts, as
// in gate-egress.test.ts); `pip install --require-hashes` inside the sandbox image,
// then the script, in the same container, with no egress.
//
// The image is the one the policy defaults to (airlock-sandbox:local, which has pip);
// AIRLOCK_INSTALL_TEST_IMAGE names another (e.g. a candidate build) for a run by hand.
const IMAGE = process.env.AIRLOCK_INSTALL_TEST_IMAGE;

let ws: string;
let upstream: EgressUpstream;
let wheel: BuiltWheel;

const SCRIPT = `import json, os, urllib.request
import airlock_demo
out = {"answer": airlock_demo.answer(), "from": airlock_demo.__file__}
try:
    urllib.request.urlopen("https://index.test/pypi/simple/", timeout=10)
    out["index"] = "reached"
except Exception as e:
    out["index"] = type(e).__name__
with open(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "ran.txt"), "w") as f:
    f.write("ran\\n")
print(json.dumps(out))
`;

function policy(requirements: string): string {
  return `version: 1
extends: default
levels:
  rules:
    # The fixture's own network call, reviewed: low, so its profile applies.
    - { tool: bandit, ruleId: "B310", level: low }
    - { tool: semgrep, ruleId: "airlock.network-access", level: low }
profiles:
  standard:
    egress:
      allow:
        - "index.test:443"
    install:
      requirements: ${requirements}
      index: https://index.test/pypi/simple/
      caBundle: ci/index-ca.pem
      timeoutSeconds: 120
`;
}

async function gate(policyFile: string, tag: string, extra: string[] = []) {
  const r = await runCli(
    [
      'gate',
      'analysis',
      ...extra,
      ...(IMAGE ? ['--image', IMAGE] : []),
      '--policy',
      policyFile,
      '--report',
      `${tag}.json`,
      '--out',
      `out-${tag}`,
      '--audit-log',
      `audit-${tag}/audit.log`,
    ],
    ws,
  );
  const report: GateReport | undefined = existsSync(join(ws, `${tag}.json`))
    ? JSON.parse(readFileSync(join(ws, `${tag}.json`), 'utf8'))
    : undefined;
  const auditFile = join(ws, `audit-${tag}/audit.log`);
  const audit: { kind: string; data: Record<string, unknown> }[] = existsSync(auditFile)
    ? readFileSync(auditFile, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
    : [];
  return { ...r, report, audit };
}

beforeAll(async () => {
  ws = mkdtempSync(join(tmpdir(), 'airlock-install-'));
  chmodSync(ws, 0o755);
  const index = join(ws, 'index-root');
  wheel = writeWheelIndex(index, {
    name: 'airlock-demo',
    version: '1.0',
    module: 'airlock_demo',
    source: 'def answer():\n    return 42\n',
  });
  upstream = await startEgressUpstream(['index.test'], {
    staticDir: index,
    hosts: { names: ['index.test'], label: 'install-phase.test' },
  });
  mkdirSync(join(ws, 'analysis'), { mode: 0o755 });
  mkdirSync(join(ws, 'ci'), { mode: 0o755 });
  copyFileSync(upstream.certFile, join(ws, 'ci', 'index-ca.pem'));
  writeFileSync(join(ws, 'analysis', 'use.py'), SCRIPT, { mode: 0o644 });
  writeFileSync(
    join(ws, 'analysis', 'requirements.txt'),
    `# pinned and hashed, as pip-compile --generate-hashes writes it\nairlock-demo==1.0 \\\n    --hash=sha256:${wheel.sha256}\n`,
  );
  const wrong = wheel.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'));
  writeFileSync(join(ws, 'analysis', 'requirements-wrong.txt'), `airlock-demo==1.0 --hash=sha256:${wrong}\n`);
  writeFileSync(
    join(ws, 'analysis', 'requirements-unpinned.txt'),
    `airlock-demo>=1.0 --hash=sha256:${wrong}\n`,
  );
  writeFileSync(join(ws, 'install.yml'), policy('analysis/requirements.txt'));
  writeFileSync(join(ws, 'wrong.yml'), policy('analysis/requirements-wrong.txt'));
  writeFileSync(join(ws, 'unpinned.yml'), policy('analysis/requirements-unpinned.txt'));
}, 660_000); // may wait for another test's upstream (egress-upstream.ts: one at a time)

afterAll(async () => {
  await upstream?.stop();
  if (ws) rmSync(ws, { recursive: true, force: true });
});

// Under gVisor as well: the bridge, the proxy hand-over between the phases and pip all
// run inside runsc's netstack, and the kill of what pip left is skipped there
// (docs/egress.md), so the hand-over is what keeps the script from the install's egress.
describe.each(['runc', 'runsc'])(
  'install phase under %s: pip install --require-hashes with egress, then the script with none',
  (runtime) => {
    let run: Awaited<ReturnType<typeof gate>>;

    beforeAll(async () => {
      run = await gate('install.yml', `ok-${runtime}`, ['--runtime', runtime]);
    }, 300_000);

    it('ran under the runtime asked for', () => {
      expect(run.report?.scripts[0]?.execution?.runtime, run.stderr).toBe(runtime);
    });

    it('pip installed the pinned wheel from the allowed index and the script imported it', () => {
      expect(run.code, `${run.stderr}\n${JSON.stringify(run.report?.scripts[0]?.execution)}`).toBe(0);
      const s = run.report!.scripts[0]!;
      expect(s.level).toBe('low');
      expect(s.execution?.status, s.execution?.stderr).toBe('success');
      expect(s.execution?.install).toMatchObject({
        requirements: 'analysis/requirements.txt',
        index: 'https://index.test/pypi/simple/',
        status: 'success',
        exitCode: 0,
        packages: [{ name: 'airlock-demo', version: '1.0', hash: `sha256:${wheel.sha256}` }],
      });
      const seen = JSON.parse(s.execution!.stdout.trim().split('\n').at(-1)!);
      expect(seen.answer).toBe(42);
      expect(seen.from).toBe('/var/tmp/airlock-packages/airlock_demo/__init__.py');
    });

    it("the script's own request to the index was refused and recorded, after the install's allowed ones", () => {
      const s = run.report!.scripts[0]!;
      const seen = JSON.parse(s.execution!.stdout.trim().split('\n').at(-1)!);
      expect(seen.index).not.toBe('reached');
      const egress = s.execution!.egress!;
      const install = egress.filter((q) => q.phase === 'install');
      const script = egress.filter((q) => q.phase === 'run');
      expect(install.length, JSON.stringify(egress)).toBeGreaterThan(0);
      expect(install.every((q) => q.allowed && q.host === 'index.test' && q.method === 'CONNECT')).toBe(true);
      expect(install.reduce((n, q) => n + q.bytesDown, 0)).toBeGreaterThan(500);
      expect(script.map((q) => [q.method, q.host, q.port, q.allowed, q.reason])).toEqual([
        [
          'CONNECT',
          'index.test',
          443,
          false,
          "no egress in the script's run (only its install phase has egress)",
        ],
      ]);
      expect(egress.indexOf(script[0]!)).toBe(egress.length - 1);
    });

    it('the audit log records the install (packages, status) and each request with its phase', () => {
      const exec = run.audit.find((e) => e.kind === 'execution')!;
      expect(exec.data.install).toMatchObject({
        status: 'success',
        exitCode: 0,
        packages: [`airlock-demo==1.0 sha256:${wheel.sha256}`],
      });
      const egress = run.audit.filter((e) => e.kind === 'egress');
      expect(egress.map((e) => e.data.phase)).toEqual([...Array(egress.length - 1).fill('install'), 'run']);
      expect(egress.at(-1)!.data).toMatchObject({ host: 'index.test', allowed: false });
    });
  },
);

describe('install phase failures', () => {
  it('a wrong hash fails the install; the script never runs and the gate fails', async () => {
    const r = await gate('wrong.yml', 'wrong');
    expect(r.code, r.stderr).toBe(1);
    const ex = r.report!.scripts[0]!.execution!;
    expect(ex.status).toBe('failure');
    expect(ex.install).toMatchObject({ status: 'failure', exitCode: 1, packages: [] });
    expect(ex.install!.reason).toContain('DO NOT MATCH THE HASHES');
    expect(ex.reason).toContain('the script did not run');
    expect(ex.exitCode).toBeNull();
    expect(ex.stdout).toBe('');
    expect(ex.artifacts).toEqual([]);
    // pip did fetch the wheel (and found its hash wrong): the request went through the proxy.
    expect(ex.egress!.some((q) => q.phase === 'install' && q.allowed)).toBe(true);
    expect(ex.egress!.some((q) => q.phase === 'run')).toBe(false);
  });

  it('a requirements line that is not an exact pin stops the gate before anything runs (exit 2)', async () => {
    const r = await gate('unpinned.yml', 'unpinned');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('INSTALL_REQUIREMENTS_INVALID');
    expect(r.stderr).toContain(
      'analysis/requirements-unpinned.txt: line 1: expected "name==version --hash=sha256:',
    );
  });
});
