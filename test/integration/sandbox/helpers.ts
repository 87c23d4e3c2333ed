import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { DEFAULT_PROFILES } from '../../../src/sandbox/profiles.js';
import type { HardenedRunSpec, SandboxLimits, SandboxRuntime } from '../../../src/sandbox/types.js';

/** A directory holding one script, readable by the sandbox user (uid 10001). */
export function scriptDir(source: string, name = 'script.py'): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'airlock-it-'));
  chmodSync(dir, 0o755);
  writeFileSync(path.join(dir, name), source, { mode: 0o644 });
  return dir;
}

export function outDir(): string {
  return path.join(mkdtempSync(path.join(tmpdir(), 'airlock-it-out-')), 'out');
}

export function specFor(
  image: string,
  label: string,
  source: string,
  opts: {
    limits?: Partial<SandboxLimits>;
    runtime?: SandboxRuntime;
    collect?: boolean;
    env?: Record<string, string>;
  } = {},
): HardenedRunSpec {
  return {
    sandbox: { image, runtime: opts.runtime ?? 'runc', user: '10001:10001', parallelism: 1, label },
    limits: { ...DEFAULT_PROFILES.restricted, timeoutSeconds: 60, ...opts.limits },
    profile: 'restricted',
    workDir: scriptDir(source),
    command: ['python3', 'script.py'],
    ...(opts.collect ? { collectOutputTo: outDir() } : {}),
    ...(opts.env ? { env: opts.env } : {}),
    label: 'test/script.py',
  };
}

/** Names of containers (running or not) carrying `label`. */
export async function containersWithLabel(label: string): Promise<string[]> {
  const r = await tryRunCommand('docker', [
    'ps',
    '--all',
    '--filter',
    `label=${label}`,
    '--format',
    '{{.Names}}',
  ]);
  if (r.exitCode !== 0) throw new Error(`docker ps failed: ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean);
}

/** The last line of stdout as JSON: the hostile scripts report what they observed there. */
export function lastJson<T = Record<string, unknown>>(stdout: string): T {
  const line = stdout.trim().split('\n').at(-1) ?? '';
  return JSON.parse(line) as T;
}
