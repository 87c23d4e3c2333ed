import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';

// A policy that grants egress is refused, before anything is scanned or run, until the
// proxy is started for sandboxes: running such a script with no network would let a
// user believe it was given what it was not.
let ws: string;

beforeAll(() => {
  ws = mkdtempSync(join(tmpdir(), 'airlock-egress-policy-'));
  chmodSync(ws, 0o755);
  mkdirSync(join(ws, 'analysis'), { mode: 0o755 });
  writeFileSync(join(ws, 'analysis', 'fetch.py'), 'print("would fetch")\n');
  writeFileSync(
    join(ws, 'egress.yml'),
    `version: 1
extends: default
profiles:
  standard:
    egress:
      allow: [pypi.org]
`,
  );
});

afterAll(() => rmSync(ws, { recursive: true, force: true }));

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: ws,
    env: {},
  });
  return { code, stdout, stderr };
}

describe('a policy that grants egress', () => {
  it('airlock gate exits 2 with EGRESS_UNAVAILABLE and writes no report', async () => {
    const r = await cli('gate', '--policy', 'egress.yml', '--report', 'r.json', 'analysis');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EGRESS_UNAVAILABLE');
    expect(r.stderr).toContain('profiles grant egress to low scripts');
    expect(existsSync(join(ws, 'r.json'))).toBe(false);
  });

  it('airlock run exits 2 with EGRESS_UNAVAILABLE', async () => {
    const r = await cli('run', '--policy', 'egress.yml', 'analysis/fetch.py');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EGRESS_UNAVAILABLE');
  });
});
