import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { discoverScripts } from '../../../src/discover/index.js';

/** Discovery of `.ipynb` notebooks on a real directory tree: gated as their extracted script. */
let ws: string;

beforeEach(async () => {
  ws = await realpath(await mkdtemp(join(tmpdir(), 'airlock-discover-nb-')));
});
afterEach(async () => {
  await rm(ws, { recursive: true, force: true });
});

async function put(rel: string, content: string | Buffer): Promise<void> {
  await mkdir(dirname(join(ws, rel)), { recursive: true });
  await writeFile(join(ws, rel), content);
}

const discover = (paths: string[]) =>
  discoverScripts({ workspace: ws, paths, maxFiles: 100, maxFileBytes: 100_000 });
const fixture = (name: string) => readFile(`test/fixtures/notebooks/${name}`);

describe('notebook discovery', () => {
  it('walks into .ipynb files and stages the extracted script beside them', async () => {
    const bytes = await fixture('malicious_magic.ipynb');
    await put('a/nb.ipynb', bytes);
    await put('a/helper.py', 'X = 1\n');
    const r = await discover(['.']);
    expect(r.scripts.map((s) => s.path)).toEqual(['a/helper.py', 'a/nb.ipynb']);
    const nb = r.scripts[1]!;
    expect(nb.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(nb.bytes).toBe(bytes.length);
    expect(nb.notebook?.stagedPath).toBe('a/nb.ipynb.py');
    expect(nb.content.toString()).toContain("print('loading')");
    expect(nb.content.toString()).not.toContain('curl');
    expect(nb.notebook?.findings.map((f) => f.ruleId)).toEqual(['airlock.notebook-shell']);
  });

  it('a file that is not a notebook is not gated, and says why (fails the gate)', async () => {
    await put('bad.ipynb', '{"nbformat": 3}');
    const r = await discover(['.']);
    expect(r.scripts).toEqual([]);
    expect(r.ungated).toEqual([
      { path: 'bad.ipynb', reason: 'not a readable notebook: nbformat must be 4, got 3' },
    ]);
  });

  it('refuses a notebook whose staged name is taken by another file', async () => {
    await put('nb.ipynb', await fixture('benign.ipynb'));
    await put('nb.ipynb.py', 'print("impostor")\n');
    const r = await discover(['nb.ipynb']);
    expect(r.scripts).toEqual([]);
    expect(r.ungated[0]?.reason).toMatch(/name "nb.ipynb.py" is taken/);
  });
});
