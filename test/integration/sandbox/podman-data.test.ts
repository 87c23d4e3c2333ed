import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareSandboxEngine } from '../../../src/sandbox/engine-limits-check.js';
import { useEngine } from '../../../src/sandbox/engine-select.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { ensurePodmanImage } from '../../helpers/podman.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * The data layout (src/gate/data-layout.ts) on rootful Podman with a user namespace per
 * container: the data copy read-only at /work, the script's folder mounted on it at
 * /work/analysis. Podman must mount the parent first, as Docker does (the gate's
 * integration test, test/integration/gate/data-inputs.test.ts, runs on Docker).
 */
const LABEL = 'org.airlock.it-podman-data';
const SALES = 'region,amount\nnorth,10\nsouth,20\neast,12\n';
let image: string;
let root: string;

beforeAll(async () => {
  image = await ensureTestImage();
  await ensurePodmanImage(image);
  await prepareSandboxEngine('podman', 'runc');
  root = mkdtempSync(join(tmpdir(), 'airlock-podman-data-'));
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'data-root/data'), { recursive: true, mode: 0o755 });
  mkdirSync(join(root, 'data-root/analysis'), { mode: 0o755 });
  writeFileSync(join(root, 'data-root/data/sales.csv'), SALES, { mode: 0o444 });
}, 600_000);

afterAll(async () => {
  expect(await containersWithLabel(LABEL)).toEqual([]);
  useEngine({ kind: 'docker', socket: '/var/run/docker.sock', how: 'requested' });
  rmSync(root, { recursive: true, force: true });
});

describe('data inputs on Podman', () => {
  it('the script reads ../data/sales.csv from /work/analysis and cannot write it', async () => {
    const spec = specFor(
      image,
      LABEL,
      `import csv, errno, os
with open("../data/sales.csv") as f:
    print("sum", sum(int(r["amount"]) for r in csv.DictReader(f)))
print("cwd", os.getcwd())
for what, attempt in [("append", lambda: open("../data/sales.csv", "a")), ("create", lambda: open("../data/new.csv", "w"))]:
    try:
        attempt()
        print(what, "allowed")
    except OSError as e:
        print(what, errno.errorcode[e.errno])
`,
    );
    spec.data = { host: join(root, 'data-root'), scriptDir: 'analysis' };
    const r = await runHardened(spec);
    expect(r.status, `${r.reason} ${r.stderr}`).toBe('success');
    expect(r.stdout).toContain('sum 42\n');
    expect(r.stdout).toContain('cwd /work/analysis\n');
    expect(r.stdout).toMatch(/^append (EROFS|EACCES)$/m);
    expect(r.stdout).toMatch(/^create (EROFS|EACCES)$/m);
    expect(readFileSync(join(root, 'data-root/data/sales.csv'), 'utf8')).toBe(SALES);
  });
});
