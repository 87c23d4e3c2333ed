import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../helpers/cli-capture.js';

// `airlock run` (one script, no scan, no audit log to record requests in) never gives a
// script network: a profile that grants egress is refused there rather than silently
// run without it. `airlock gate` grants it (gate-egress.test.ts).
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
  return runCli(argv, ws);
}

describe('airlock run with a profile that grants egress', () => {
  it('airlock run exits 2 with EGRESS_UNAVAILABLE', async () => {
    const r = await cli('run', '--policy', 'egress.yml', 'analysis/fetch.py');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('EGRESS_UNAVAILABLE');
    expect(r.stderr).toContain('use airlock gate');
  });
});
