import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { generateAuditKeyPair, verifyAuditLog } from '../../../src/audit/index.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport } from '../../../src/report/types.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';
import { hostileGateSettings, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { hostProcesses } from '../../helpers/hostile-host-probes.js';
import {
  copyImage,
  type PrivateDockerd,
  startPrivateDockerd,
} from '../../helpers/hostile-private-dockerd.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * The Docker daemon dies while a script runs (a private daemon: see
 * hostile-private-dockerd.ts). The gate must not say "pass", must record what
 * happened in a log that still verifies, and once the daemon is back no container of
 * that run may remain.
 */
const ORIGIN = 'localhost/faults/airlock-audit';
const keys = generateAuditKeyPair();
// The script's process on the host, found by its argv: `sleep 618`.
const SLOW = 'import os\nprint("CONTAINED started", flush=True)\nos.execv("/bin/sleep", ["sleep", "618"])\n';

const REPO = resolve(import.meta.dirname, '../../..');

function cli(
  argv: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const tsx = pathToFileURL(join(REPO, 'node_modules/tsx/dist/loader.mjs')).href;
    const child = spawn(process.execPath, ['--import', tsx, join(REPO, 'src/cli/index.ts'), ...argv], {
      cwd,
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

describe('the Docker daemon dies during a run', () => {
  let dockerd: PrivateDockerd;
  let ws: TempWorkspace;
  const savedHost = process.env.DOCKER_HOST;

  beforeAll(async () => {
    const image = await ensureTestImage();
    dockerd = await startPrivateDockerd();
    await copyImage(image, dockerd.host);
    ws = await tempWorkspace('faults-dockerd');
    await writeFile(join(ws.dir, 'slow.py'), SLOW);
    // The test image has Bandit only; this case is about the daemon, not Semgrep.
    await writeFile(
      join(ws.dir, 'policy.yml'),
      'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n',
    );
    await mkdir(join(ws.dir, 'audit'));
  });

  afterAll(async () => {
    if (savedHost === undefined) delete process.env.DOCKER_HOST;
    else process.env.DOCKER_HOST = savedHost;
    await dockerd?.dispose();
    await ws?.dispose();
  });

  it('fails closed, the audit log verifies, and no container or process is left', async () => {
    // Airlock runs as its own process (the CLI), as in CI: when it ends, the next run's
    // orphan sweep may remove what it could not (its owner pid is gone then).
    const log = join(ws.dir, 'audit', 'log.jsonl');
    await writeFile(join(ws.dir, 'key.pem'), keys.privatePem, { mode: 0o600 });
    const env = { PATH: process.env.PATH, HOME: process.env.HOME, DOCKER_HOST: dockerd.host };
    const first = cli(
      [
        'gate',
        '--image',
        'airlock-test-python:local',
        '--policy',
        'policy.yml',
        '--audit-log',
        'audit/log.jsonl',
        '--signing-key',
        'key.pem',
        '--origin',
        ORIGIN,
        '--report',
        'report.json',
        'slow.py',
      ],
      ws.dir,
      env,
    );
    // Wait until the script really runs, then kill the daemon under it.
    let running: number[] = [];
    for (let i = 0; i < 240 && running.length === 0; i++) {
      await sleep(250);
      running = await hostProcesses(['sleep', '618']);
    }
    expect(running.length, 'the script never started').toBeGreaterThan(0);
    await dockerd.crash();
    const r = await first;
    const report = await readFile(join(ws.dir, 'report.json'), 'utf8')
      .then((t) => JSON.parse(t) as GateReport)
      .catch(() => undefined);
    const execution = report?.scripts[0]?.execution;
    const evidence: Record<string, unknown> = {
      exitCode: r.code,
      stderrLastLine: r.stderr.trim().split('\n').at(-1),
      verdict: report?.verdict,
      executionStatus: execution?.status,
      reason: execution?.reason,
    };
    // 1: the gate said no; 2: an environment error. Never 0, never a crash (3).
    expect([1, 2]).toContain(r.code);
    if (report) {
      expect(report.verdict).toBe('fail');
      expect(execution?.status).toBe('error');
    }

    // The log holds what happened and verifies (an aborted run leaves an unsigned tail at most).
    const v = await verifyAuditLog({ log, publicKeyPem: keys.publicPem });
    expect(v.entries).toBeGreaterThan(0);
    evidence.audit = v;

    // The daemon comes back. The next Airlock run sweeps the dead run's container.
    await dockerd.restart();
    process.env.DOCKER_HOST = dockerd.host;
    const next = await tempWorkspace('faults-dockerd-next');
    try {
      await writeFile(join(next.dir, 'ok.py'), 'print("CONTAINED ok")\n');
      const again = await runGate(hostileGateSettings(next.dir, 'airlock-test-python:local'), {
        progress: () => undefined,
        env: {},
      });
      evidence.nextRunVerdict = again.report.verdict;
      expect(again.report.verdict).toBe('pass');
    } finally {
      await next.dispose();
    }
    const ps = await tryRunCommand('docker', ['ps', '-aq', '--filter', 'label=org.airlock.sandbox'], {
      timeoutMs: 20_000,
    });
    evidence.containersLeft = ps.stdout.split('\n').filter(Boolean);
    writeEvidence('faults-docker-stopped-during.json', evidence);
    expect(evidence.containersLeft).toEqual([]);
    expect(await hostProcesses(['sleep', '618'])).toEqual([]);
  }, 300_000);
});
