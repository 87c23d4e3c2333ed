import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { workflowCommandsIn } from '../../helpers/actions-log-commands.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * `airlock run` as a user meets it, against the real sandbox (the small test image):
 * what a script prints cannot become a GitHub workflow command in the job log
 * (issue 21, item 12), and the run writes nothing into the repository by default.
 */
let ws: string;
let image: string;
const made: string[] = [];

const HOSTILE = `import sys
print("::add-mask::hunter2")
print("::error file=x.py,line=1::forged annotation")
print("  ::warning::indented")
print("carriage\\r::notice::after a bare CR")
print("\\u0085::error::after NEL")
print("inline ##[error]v1 form")
print("::stop-commands::guess")
print("::set-output name=x::y")
sys.stderr.write("::error::on stderr\\n")
`;

beforeAll(async () => {
  image = await ensureTestImage();
  ws = mkdtempSync(join(tmpdir(), 'airlock-run-ws-'));
  chmodSync(ws, 0o755);
  writeFileSync(join(ws, 'hostile.py'), HOSTILE, { mode: 0o644 });
  writeFileSync(
    join(ws, 'plot.py'),
    'import os\nopen(os.path.join(os.environ["AIRLOCK_OUTPUT_DIR"], "out.txt"), "w").write("hi")\n',
    { mode: 0o644 },
  );
});

afterAll(() => {
  for (const d of [ws, ...made]) rmSync(d, { recursive: true, force: true });
});

async function run(argv: string[], env: NodeJS.ProcessEnv) {
  let stdout = '';
  let stderr = '';
  const code = await main(['run', ...argv, '--image', image], {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    cwd: ws,
    env,
  });
  const out = stderr.match(/artifact\(s\) in (\S+?)(?:,|:|\n)/)?.[1];
  if (out) made.push(out);
  return { code, stdout, stderr };
}

describe('airlock run output', () => {
  it('under GitHub Actions, the script output carries no workflow command', async () => {
    const r = await run(['hostile.py'], { PATH: process.env.PATH, GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(0);
    expect(workflowCommandsIn(r.stdout)).toEqual([]);
    expect(workflowCommandsIn(r.stderr)).toEqual([]);
    // The text is still there for a person to read, escaped, inside a stop-commands block.
    expect(r.stdout).toContain('\\::add-mask::hunter2');
    expect(r.stdout).toContain('#\\#[error]v1 form');
    expect(r.stdout).toMatch(/^::stop-commands::[0-9a-f]{32}\n/);
  }, 120_000);

  it('outside Actions the output is printed as the script wrote it', async () => {
    const r = await run(['hostile.py'], { PATH: process.env.PATH });
    expect(r.code).toBe(0);
    // The model parser does see the commands in raw output: it is not blind.
    expect(workflowCommandsIn(r.stdout)).toContain('::add-mask::hunter2');
    expect(r.stdout).not.toMatch(/::stop-commands::[0-9a-f]{32}/);
  }, 120_000);

  it('writes artifacts to a new temp dir it names, not into the workspace', async () => {
    const r = await run(['plot.py'], { PATH: process.env.PATH });
    expect(r.code).toBe(0);
    const out = r.stderr.match(/1 artifact\(s\) in (\S+)/)?.[1];
    expect(out).toBeDefined();
    expect(out!.startsWith(join(tmpdir(), 'airlock-run-'))).toBe(true);
    expect(readdirSync(out!)).toContain('out.txt');
    expect(readdirSync(ws).sort()).toEqual(['hostile.py', 'plot.py']);
    expect(existsSync(join(ws, 'airlock-out'))).toBe(false);
  }, 120_000);

  it('--report may name a path outside the workspace', async () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'airlock-report-'));
    made.push(elsewhere);
    const r = await run(['plot.py', '--report', join(elsewhere, 'r.json')], { PATH: process.env.PATH });
    expect(r.code).toBe(0);
    expect(existsSync(join(elsewhere, 'r.json'))).toBe(true);
  }, 120_000);
});
