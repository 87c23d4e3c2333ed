import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { reportFailure } from '../../../src/action/failure-report.js';

let dir: string;
const saved = { ...process.env };
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'airlock-failure-report-'));
  for (const name of ['summary', 'output']) await writeFile(join(dir, name), '');
  process.env.GITHUB_STEP_SUMMARY = join(dir, 'summary');
  process.env.GITHUB_OUTPUT = join(dir, 'output');
});
afterEach(async () => {
  process.env = { ...saved };
  await rm(dir, { recursive: true, force: true });
});

describe('reportFailure', () => {
  it('writes the reason escaped: no HTML, no invisible characters from a hostile file name', async () => {
    await reportFailure('PATH_INVALID: scripts/a\u0085b\u202e<img src=x>.py');
    const summary = await readFile(join(dir, 'summary'), 'utf8');
    expect(summary).toContain('scripts/a\\u{0085}b\\u{202E}&lt;img src=x&gt;.py');
    expect(summary).not.toMatch(/[\u0085\u202e]|<img/);
    expect(await readFile(join(dir, 'output'), 'utf8')).toContain('fail');
  });
});
