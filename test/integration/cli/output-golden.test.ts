import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-capture.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { expiryAfter } from '../../../src/report/allowlist-suggestion.js';

/**
 * Golden tests of `airlock gate --format text|json|sarif|markdown`: each format's
 * stdout from a real gate (Docker, the shipped sandbox image, Bandit, Semgrep for the
 * text run) over the fixed scripts in test/fixtures/cli-golden/scripts (clean, low,
 * high, blocked, failing, and a notebook with a `!curl … | sh` cell), compared with test/fixtures/cli-golden/expected/ after the
 * volatile fields (times, durations, memory, image id, container names, temp paths,
 * and the suggested allowlist entries' expiry date, which is the run's finish plus 90
 * days: checked against report.json, then written as <expires>) are normalized. The expected files are generated, never edited by hand:
 *
 *   UPDATE_GOLDEN=1 npx vitest run test/integration/cli/output-golden.test.ts
 *
 * The text run uses the shipped default policy (both scanners: what a user sees); the
 * other formats use test/fixtures/policies/bandit-only.yml, which only switches
 * Semgrep off, to keep this file at a few gates' cost (Semgrep's start-up is ~1 min here).
 */
const REPO = resolve(import.meta.dirname, '../../..');
const FIXTURES = join(REPO, 'test/fixtures/cli-golden');
const EXPECTED = join(FIXTURES, 'expected');
const BANDIT_ONLY = join(REPO, 'test/fixtures/policies/bandit-only.yml');
const UPDATE = process.env.UPDATE_GOLDEN === '1';
const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
type Format = (typeof FORMATS)[number];
const FILE: Record<Format, string> = {
  text: 'gate.txt',
  json: 'gate.json',
  sarif: 'gate.sarif',
  markdown: 'gate.md',
};

let ws: string;

beforeAll(async () => {
  const img = await tryRunCommand('docker', ['image', 'inspect', 'airlock-sandbox:local']);
  if (img.exitCode !== 0) throw new Error('airlock-sandbox:local is needed: node dist/cli.js image build');
  ws = mkdtempSync(join(tmpdir(), 'airlock-golden-'));
  chmodSync(ws, 0o755);
  cpSync(join(FIXTURES, 'scripts'), join(ws, 'scripts'), { recursive: true });
  chmodSync(join(ws, 'scripts'), 0o755);
  for (const f of readdirSync(join(ws, 'scripts'))) chmodSync(join(ws, 'scripts', f), 0o644);
});

afterAll(() => {
  if (ws) rmSync(ws, { recursive: true, force: true });
});

async function gate(format: Format, extra: string[] = []) {
  const policy = format === 'text' ? 'default' : BANDIT_ONLY;
  const { code, stdout, stderr } = await runCli(
    ['gate', 'scripts', '--policy', policy, '--format', format, '--out', `.airlock/out-${format}`, ...extra],
    ws,
    { PATH: process.env.PATH },
  );
  return { code, stdout, stderr };
}

const VOLATILE_KEYS = new Set([
  'startedAt',
  'finishedAt',
  'durationMs',
  'peakMemoryBytes',
  'containerName',
  'startTimeUtc',
  'endTimeUtc',
]);

function scrubJson(v: unknown, key?: string): unknown {
  if (Array.isArray(v)) return v.map((x) => scrubJson(x));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return Object.fromEntries(
      Object.entries(o).map(([k, x]) => [k, k === 'id' && key === 'image' ? '<image id>' : scrubJson(x, k)]),
    );
  }
  return key !== undefined && VOLATILE_KEYS.has(key) && v !== null ? `<${key}>` : v;
}

/**
 * The markdown's suggested allowlist entries expire 90 days after the run finished, so
 * the expected file cannot hold the date (it failed CI the day after it was written).
 * Each date must be the one report.json's finishedAt gives; then it is a placeholder.
 */
function scrubExpiry(format: Format, text: string): string {
  const dates = [...text.matchAll(/expires: "(\d{4}-\d{2}-\d{2})"/g)].map((m) => m[1]);
  if (dates.length === 0) return text;
  const report = JSON.parse(readFileSync(join(ws, `.airlock/out-${format}`, 'report.json'), 'utf8'));
  expect(new Set(dates)).toEqual(new Set([expiryAfter(report.finishedAt)]));
  return text.replace(/expires: "\d{4}-\d{2}-\d{2}"/g, 'expires: "<run finish + 90 days>"');
}

function normalize(format: Format, text: string): string {
  const t = scrubExpiry(format, text.replaceAll(ws, '<workspace>').replaceAll(REPO, '<repo>'));
  if (format === 'json' || format === 'sarif')
    return `${JSON.stringify(scrubJson(JSON.parse(t)), null, 2)}\n`;
  return t
    .replace(/\b\d+(\.\d+)? (ms|s)\b/g, '<duration>')
    .replace(/\b\d+(\.\d+)? (KiB|MiB)\b/g, '<memory>')
    .replace(/sha256:[0-9a-f]{64}/g, 'sha256:<image id>');
}

describe('airlock gate --format (golden)', () => {
  for (const format of FORMATS) {
    it(`${format}`, async () => {
      const r = await gate(format, format === 'json' ? ['--telemetry'] : []);
      // The fixture set has a blocked script and a failing run: the gate says no.
      expect({ code: r.code, stderr: r.code === 1 ? '' : r.stderr }).toEqual({ code: 1, stderr: '' });
      // Telemetry lines on stderr only when asked for (--telemetry on the json run).
      expect(r.stderr.includes('"event":"telemetry.sandbox"')).toBe(format === 'json');
      const got = normalize(format, r.stdout);
      const file = join(EXPECTED, FILE[format]);
      if (UPDATE) {
        mkdirSync(EXPECTED, { recursive: true });
        writeFileSync(file, got);
      }
      expect(got).toBe(readFileSync(file, 'utf8'));
    }, 300_000);
  }

  it('-q prints the verdict line alone, and nothing on stderr; --report/--sarif may be outside the workspace', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'airlock-golden-outside-'));
    const argv = ['scan', 'scripts', '--policy', BANDIT_ONLY, '-q', '--out', '.airlock/out-q'];
    argv.push('--report', join(outside, 'r.json'), '--sarif', join(outside, 'r.sarif'));
    const { code, stdout, stderr } = await runCli(argv, ws, { PATH: process.env.PATH });
    expect(code, stderr).toBe(1);
    expect(stdout).toBe('FAIL: 6 script(s), 3 low, 1 high, 2 blocked, 0 executed, 0 failed\n');
    expect(stderr).toBe('');
    expect(JSON.parse(readFileSync(join(outside, 'r.json'), 'utf8')).verdict).toBe('fail');
    expect(JSON.parse(readFileSync(join(outside, 'r.sarif'), 'utf8')).version).toBe('2.1.0');
    rmSync(outside, { recursive: true, force: true });
  }, 300_000);
});
