import { spawn } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { processStartTime, sweepOrphans } from '../../../src/sandbox/containers.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, scriptDir } from './helpers.js';

const LABEL = 'org.airlock.it-cleanup';
const here = path.dirname(fileURLToPath(import.meta.url));
let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
});

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const v = await fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Starts the child, waits until its script is running inside the container, signals it. */
async function interrupt(
  signal: NodeJS.Signals,
): Promise<{ code: number | null; stdout: string; name: string }> {
  const dir = scriptDir('import time\nprint("started", flush=True)\ntime.sleep(300)\n');
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(here, 'interrupt-child.ts'), image, LABEL, dir],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env },
    },
  );
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const name = await waitFor('the container and its script', async () => {
    const r = await tryRunCommand('docker', [
      'ps',
      '--filter',
      `label=${LABEL}`,
      '--filter',
      `label=org.airlock.owner-pid=${child.pid}`,
      '--format',
      '{{.Names}}',
    ]);
    const n = r.stdout.trim();
    if (!n) return undefined;
    const top = await tryRunCommand('docker', ['top', n]);
    return top.stdout.includes('script.py') ? n : undefined;
  });
  child.kill(signal);
  const code = await exited;
  return { code, stdout, name };
}

describe('no container left behind', () => {
  it('SIGTERM to Airlock mid-run removes the container, then exits 143', async () => {
    const r = await interrupt('SIGTERM');
    expect(r.code).toBe(143);
    expect(r.stdout).not.toContain('finished');
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });

  it('SIGINT (Ctrl-C) does the same, exit 130', async () => {
    const r = await interrupt('SIGINT');
    expect(r.code).toBe(130);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  });

  it('sweepOrphans removes containers whose owner is gone and keeps those of a live owner', async () => {
    // A pid that certainly belonged to a process that has exited.
    const gone = spawn('true');
    await new Promise((r) => gone.on('close', r));
    const make = async (name: string, pid: number, start: string, host = os.hostname()) => {
      const r = await tryRunCommand('docker', [
        'run',
        '--detach',
        '--name',
        name,
        '--label',
        `${LABEL}=1`,
        '--label',
        `org.airlock.owner-pid=${pid}`,
        '--label',
        `org.airlock.owner-start=${start}`,
        '--label',
        `org.airlock.owner-host=${host}`,
        '--network',
        'none',
        '--entrypoint',
        'sleep',
        image,
        '120',
      ]);
      expect(r.exitCode, r.stderr).toBe(0);
    };
    const tag = Date.now().toString(36);
    const myStart = processStartTime(process.pid)!;
    await make(`airlock-it-orphan-${tag}`, gone.pid!, '1');
    await make(`airlock-it-reused-${tag}`, process.pid, String(Number(myStart) + 1)); // our pid, another start time
    await make(`airlock-it-live-${tag}`, process.pid, myStart);
    await make(`airlock-it-otherhost-${tag}`, gone.pid!, '1', 'another-runner');
    try {
      const removed = await sweepOrphans(LABEL);
      expect(removed.sort()).toEqual([`airlock-it-orphan-${tag}`, `airlock-it-reused-${tag}`]);
      expect((await containersWithLabel(LABEL)).sort()).toEqual([
        `airlock-it-live-${tag}`,
        `airlock-it-otherhost-${tag}`,
      ]);
    } finally {
      await tryRunCommand('docker', [
        'rm',
        '--force',
        `airlock-it-live-${tag}`,
        `airlock-it-otherhost-${tag}`,
      ]);
    }
  });
});
