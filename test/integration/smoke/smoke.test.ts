import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { LOCAL_IMAGE_TAGS } from '../../../src/image/flavor.js';
import { smokeChecksFor } from '../../../src/smoke/checks.js';
import { runSmoke, type SmokeReport } from '../../../src/smoke/run-smoke.js';
import { ensureTestImage } from '../../helpers/test-image.js';

const SECURITY = [
  'not-root',
  'capabilities-none',
  'no-new-privileges',
  'seccomp-filter',
  'readonly-rootfs',
  'no-network',
  'pids-limit',
  'memory-limit',
  'tmpfs-limit',
  'no-runner-secrets',
];

async function leftovers(): Promise<string[]> {
  const r = await tryRunCommand('docker', [
    'ps',
    '--all',
    '--filter',
    `label=org.airlock.owner-pid=${process.pid}`,
    '--format',
    '{{.Names}}',
  ]);
  return r.stdout.split('\n').filter(Boolean);
}

afterAll(async () => {
  expect(await leftovers()).toEqual([]);
});

const byName = (r: SmokeReport) => Object.fromEntries(r.checks.map((c) => [c.name, c]));

describe('smoke suite on the small test image (security checks, honest failures)', () => {
  let image: string;
  let report: SmokeReport;
  beforeAll(async () => {
    image = await ensureTestImage();
    report = await runSmoke({ image, runtime: 'runc' });
  });

  it('every security property holds under the hardened flags (runc)', () => {
    const c = byName(report);
    for (const name of SECURITY) expect(c[name]?.status, `${name}: ${c[name]?.detail}`).toBe('pass');
    expect(c['memory-limit']?.execution.status).toBe('oom');
  });

  it('semgrep, absent from the image, is unavailable, never pass', () => {
    expect(byName(report).semgrep?.status).toBe('unavailable');
  });

  it('libraries the test image lacks fail (no false pass), Python and Bandit pass', () => {
    const c = byName(report);
    for (const name of [
      'imports',
      'matplotlib-png',
      'polars-dataframe',
      'graphviz-render',
      'notebook-run',
      'mermaid-render',
      // No /opt/airlock/versions.json: not an image built from images/.
      'versions-file',
    ]) {
      expect(c[name]?.status, name).toBe('fail');
    }
    expect(c['python-version']?.status).toBe('pass');
    expect(c.bandit?.status).toBe('pass');
  });

  it('the report lists every check once with image, flavor, runtime and a summary that adds up', () => {
    // No org.airlock.flavor label: checked as full, every tool expected.
    expect(report.flavor).toEqual({ name: 'full', from: 'default' });
    const full = smokeChecksFor('full');
    expect(report.checks.map((c) => c.name).sort()).toEqual(full.map((c) => c.name).sort());
    expect(report.image.ref).toBe(image);
    expect(report.image.id).toMatch(/^sha256:/);
    expect(report.runtime).toBe('runc');
    const s = report.summary;
    expect(s.pass + s.fail + s.unavailable).toBe(full.length);
  });

  it('the CLI exits 1 when a check fails and writes the report; 2 for a missing image', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'airlock-smoke-cli-'));
    const io = { stdout: () => undefined, stderr: () => undefined, cwd: dir, env: {} };
    const code = await main(
      ['smoke', '--image', image, '--check', 'polars-dataframe', '--check', 'not-root', '--report', 'r.json'],
      io,
    );
    expect(code).toBe(1);
    const rep = JSON.parse(readFileSync(path.join(dir, 'r.json'), 'utf8')) as SmokeReport;
    expect(rep.checks.map((c) => [c.name, c.status]).sort()).toEqual([
      ['not-root', 'pass'],
      ['polars-dataframe', 'fail'],
    ]);
    expect(await main(['smoke', '--image', 'airlock-absent:none'], io)).toBe(2);
    expect(await main(['smoke', '--check', 'no-such-check', '--image', image], io)).toBe(2);
  });
});

describe('smoke suite under gVisor (runsc)', () => {
  it('the security checks hold, and seccomp is reported unavailable (not pass) inside gVisor', async () => {
    const image = await ensureTestImage();
    const r = await runSmoke({ image, runtime: 'runsc', only: SECURITY });
    const c = byName(r);
    for (const name of SECURITY.filter((n) => n !== 'seccomp-filter')) {
      expect(c[name]?.status, `${name}: ${c[name]?.detail}`).toBe('pass');
    }
    expect(c['seccomp-filter']?.status).not.toBe('fail');
  });
});

describe('full smoke of both sandbox image flavors', () => {
  // Built by `airlock image build --flavor core|full` (scripts/setup.sh); missing =
  // failure, not a skip. The flavor comes from each image's own label.
  const show = (r: SmokeReport) =>
    console.log(
      JSON.stringify(
        r.checks.map((c) => [c.name, c.status, c.detail]),
        null,
        1,
      ),
    );

  it(`${LOCAL_IMAGE_TAGS.core} (core) passes every core check: semgrep included, no browser`, async () => {
    const r = await runSmoke({ image: LOCAL_IMAGE_TAGS.core, runtime: 'runc' });
    show(r);
    expect(r.flavor).toEqual({ name: 'core', from: 'label' });
    for (const check of r.checks) expect(check.status, `${check.name}: ${check.detail}`).toBe('pass');
    expect(r.checks.map((c) => c.name).sort()).toEqual(
      smokeChecksFor('core')
        .map((c) => c.name)
        .sort(),
    );
    expect(byName(r).semgrep?.status).toBe('pass');
    expect(byName(r)['no-browser']?.status).toBe('pass');
    expect(byName(r)['mermaid-render']).toBeUndefined();
  });

  it(`${LOCAL_IMAGE_TAGS.full} (full) passes every full check, Mermaid through Chromium included`, async () => {
    const r = await runSmoke({ image: LOCAL_IMAGE_TAGS.full, runtime: 'runc' });
    show(r);
    expect(r.flavor).toEqual({ name: 'full', from: 'label' });
    for (const check of r.checks) expect(check.status, `${check.name}: ${check.detail}`).toBe('pass');
    expect(byName(r)['mermaid-render']?.status).toBe('pass');
  });

  it('checked as core, an image with Chromium fails: a core that grew a browser is caught', async () => {
    const r = await runSmoke({
      image: LOCAL_IMAGE_TAGS.full,
      runtime: 'runc',
      flavor: 'core',
      only: ['no-browser', 'versions-file'],
    });
    expect(r.flavor).toEqual({ name: 'core', from: 'option' });
    const c = byName(r);
    expect(c['no-browser']?.status).toBe('fail');
    expect(c['no-browser']?.detail).toMatch(/chromium/);
    expect(c['versions-file']?.status).toBe('fail');
  });
});
