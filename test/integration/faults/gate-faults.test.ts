import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { main } from '../../../src/cli/main.js';
import { isAirlockError } from '../../../src/errors.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';
import { hostileGateSettings, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { ensureTestImage, TEST_IMAGE } from '../../helpers/test-image.js';

/**
 * Faults around the gate: no Docker, no image, a malformed policy, a scanner that
 * crashes, hangs or prints garbage. Each must give a clear typed error or a failing
 * verdict; none may let a script run unassessed or report "pass" from a scan that did
 * not complete; none may leave a container behind.
 */
const REPO = resolve(import.meta.dirname, '../../..');
const outcomes: Record<string, unknown> = {};
let ws: TempWorkspace;

beforeAll(async () => {
  await ensureTestImage();
  ws = await tempWorkspace('faults-gate');
  // Clean code: if anything goes wrong silently, the gate would say "pass".
  await writeFile(join(ws.dir, 'ok.py'), 'print("CONTAINED ok ran")\n');
});
afterAll(async () => {
  writeEvidence('faults-gate.json', outcomes);
  await ws?.dispose();
});

function cli(argv: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    // tsx by absolute path: the child's cwd is the workspace, where no node_modules is.
    const tsx = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, join(REPO, 'src/cli/index.ts'), ...argv], {
      cwd: ws.dir,
      env,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
    });
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('the Docker daemon is not there before the run', () => {
  it('airlock gate exits 2 with DOCKER_UNAVAILABLE and writes no verdict', async () => {
    const report = join(ws.dir, 'no-docker.json');
    const r = await cli(['gate', '--image', TEST_IMAGE, '--report', 'no-docker.json', '.'], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DOCKER_HOST: 'unix:///tmp/airlock-nonexistent-docker.sock',
    });
    outcomes.dockerStoppedBefore = r;
    expect(r.code).toBe(2);
    // One line a person can act on (after the progress lines), not a stack.
    const lines = r.stderr.trim().split('\n');
    expect(lines.at(-1)).toMatch(
      /^airlock: DOCKER_UNAVAILABLE: .*unix:\/\/\/tmp\/airlock-nonexistent-docker\.sock/,
    );
    expect(lines.filter((l) => /^\s+at /.test(l))).toEqual([]);
    expect(existsSync(report)).toBe(false);
  });
});

describe('the sandbox image is missing', () => {
  it('refuses with IMAGE_MISSING before anything runs', async () => {
    let code: string | undefined;
    try {
      await runGate(hostileGateSettings(ws.dir, 'airlock-test-missing:none'), {
        progress: () => undefined,
        env: {},
      });
    } catch (e) {
      if (!isAirlockError(e)) throw e;
      code = e.code;
    }
    outcomes.imageMissing = code;
    expect(code).toBe('IMAGE_MISSING');
    expect(existsSync(join(ws.dir, '.airlock', 'out', 'report.json'))).toBe(false);
  });
});

describe('a malformed policy', () => {
  const CASES: Record<string, string> = {
    'yaml syntax': 'version: 1\nscanners: [unclosed\n',
    'unknown key': 'version: 1\nname: x\nscanerz: {}\n',
    'wrong type': 'version: 1\nname: x\nlimits: { maxFiles: "many" }\n',
    'root user': 'version: 1\nname: x\nextends: default\nsandbox: { user: "0:0" }\n',
    'bad level': 'version: 1\nname: x\nextends: default\nexecute: { low: { run: maybe } }\n',
    'not a mapping': '- just\n- a list\n',
    'binary junk': '\u0000\u0001\u00ff\u00fe',
  };
  it.each(Object.entries(CASES))('%s: exit 2 with POLICY_INVALID, nothing runs', async (name, text) => {
    const file = join(ws.dir, `policy-${name.replace(/\W/g, '-')}.yml`);
    await writeFile(file, text);
    let stderr = '';
    const code = await main(['gate', '--policy', file, '--image', TEST_IMAGE, '--report', 'p.json', '.'], {
      stdout: () => undefined,
      stderr: (t) => {
        stderr += t;
      },
      cwd: ws.dir,
      env: {},
    });
    outcomes[`policy ${name}`] = { code, stderr: stderr.trim() };
    expect(code).toBe(2);
    expect(stderr).toMatch(/^airlock: POLICY_INVALID: /);
    expect(existsSync(join(ws.dir, 'p.json'))).toBe(false);
  });
});

/** A sandbox image whose `bandit` misbehaves; /usr/local/bin comes first on PATH. */
async function brokenBanditImage(kind: string, script: string): Promise<string> {
  const tag = `airlock-test-bandit-${kind}:local`;
  const dockerfile = `FROM ${TEST_IMAGE}
USER 0
RUN printf '%s\\n' ${script
    .split('\n')
    .map((l) => `'${l}'`)
    .join(' ')} > /usr/local/bin/bandit && chmod 755 /usr/local/bin/bandit
USER 10001:10001
`;
  const r = await tryRunCommand('docker', ['build', '-q', '-t', tag, '-'], {
    input: dockerfile,
    timeoutMs: 300_000,
  });
  if (r.exitCode !== 0) throw new Error(`building ${tag}: ${r.stderr}`);
  return tag;
}

describe('a scanner that crashes, hangs or lies', () => {
  const BROKEN: Record<string, string> = {
    crash: '#!/bin/sh\necho "Traceback (most recent call last): boom" >&2\nexit 2',
    hang: '#!/bin/sh\nexec sleep 3600',
    garbage: '#!/bin/sh\necho "{\\"results\\": [tru"',
    empty: '#!/bin/sh\necho "{\\"results\\": [], \\"errors\\": []}"',
    killed: '#!/bin/sh\nkill -9 $$',
  };
  let policy: string;
  beforeAll(async () => {
    policy = join(ws.dir, 'fast-scan.yml');
    // A hung scanner is bounded by the policy's timeout: 5 s here instead of 120 s.
    await writeFile(
      policy,
      // Semgrep off: the test image has none, and these cases are about Bandit misbehaving.
      'version: 1\nname: faults\nextends: default\nscanners:\n  bandit:\n    timeoutSeconds: 5\n  semgrep:\n    mode: off\n',
    );
  });

  it.each(Object.entries(BROKEN))(
    'bandit %s: verdict fail, nothing runs, no container left',
    async (kind, script) => {
      const image = await brokenBanditImage(kind, script);
      const started = performance.now();
      const { report } = await runGate(hostileGateSettings(ws.dir, image, { policy, paths: ['ok.py'] }), {
        progress: () => undefined,
        env: {},
      });
      const ms = Math.round(performance.now() - started);
      const bandit = report.scanners.find((s) => s.tool === 'bandit');
      outcomes[`bandit ${kind}`] = { ms, bandit, verdict: report.verdict, scripts: summarize(report) };
      // "empty" exits 0 with a well-formed report that leaves out the file it was asked
      // to scan: the adapter must notice the gap (a scan error on the file), not say clean.
      expect(kind === 'empty' ? ['ran', 'failed'] : ['failed']).toContain(bandit?.status);
      expect(report.verdict).toBe('fail');
      for (const s of report.scripts) {
        expect(s.level).toBe('blocked');
        expect(s.execution).toBeUndefined();
      }
      // Bounded: the 5 s scanner timeout plus container start/stop, not an hour.
      expect(ms).toBeLessThan(60_000);
      const left = await tryRunCommand('docker', ['ps', '-aq', '--filter', `ancestor=${image}`]);
      expect(left.stdout.trim()).toBe('');
    },
  );
});

function summarize(r: GateReport): unknown {
  return r.scripts.map((s) => ({ path: s.path, level: s.level, decision: s.decision }));
}
