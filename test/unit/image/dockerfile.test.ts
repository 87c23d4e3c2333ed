import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { CA_DIR, CONTEXT_LABEL } from '../../../src/image/build-context.js';
import type { ImageBuildArgs } from '../../../src/image/docker-build.js';
import { FLAVOR_LABEL } from '../../../src/image/flavor.js';
import { findImagesDir } from '../../../src/image/image-metadata.js';

/** Dockerfile instructions with continuation lines joined and comments dropped. */
function instructions(text: string): string[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
}

/** Instructions grouped by stage (index 0 = before the first FROM). */
function stages(lines: string[]): string[][] {
  const out: string[][] = [[]];
  for (const l of lines) {
    if (/^FROM\s/i.test(l)) out.push([]);
    out.at(-1)!.push(l);
  }
  return out;
}

/** Stages by their `AS` name. */
function stagesByName(lines: string[]): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const st of stages(lines).slice(1)) out[st[0]!.split(' ').at(-1)!] = st;
  return out;
}

let lines: string[];
beforeAll(async () => {
  lines = instructions(await readFile(path.join(findImagesDir(), 'Dockerfile'), 'utf8'));
});

describe('images/Dockerfile', () => {
  it('uses no BuildKit-only syntax, so the classic builder can build it', () => {
    expect(lines.some((l) => /--mount=/.test(l))).toBe(false);
    expect(lines.some((l) => /<<-?\s*['"]?[A-Z]/.test(l))).toBe(false);
    expect(lines.some((l) => /^#\s*syntax=/.test(l))).toBe(false);
  });

  it('builds core and full from one sandbox stage, each FROM the overridable BASE_IMAGE underneath', () => {
    expect(lines[0]).toMatch(/^ARG BASE_IMAGE=debian:bookworm-slim$/);
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms).toEqual([
      'FROM ${BASE_IMAGE} AS pyvenv',
      'FROM ${BASE_IMAGE} AS sandbox',
      'FROM sandbox AS core',
      'FROM ${BASE_IMAGE} AS mermaid',
      'FROM sandbox AS full',
    ]);
  });

  it('puts core before every stage it does not need: the classic builder builds all stages up to the target', () => {
    const names = stages(lines)
      .slice(1)
      .map((st) => st[0]!.split(' ').at(-1));
    expect(names.indexOf('core')).toBeLessThan(names.indexOf('mermaid'));
    expect(names.indexOf('core')).toBeLessThan(names.indexOf('full'));
  });

  it('installs Chromium, Node.js and the Mermaid CLI in full only, never in what core is built from', () => {
    const byName = stagesByName(lines);
    for (const name of ['pyvenv', 'sandbox', 'core']) {
      expect(byName[name]!.join('\n'), name).not.toMatch(/chromium|nodejs|\bnpm\b|mermaid|rootfs-full/);
    }
    expect(byName.full!.join('\n')).toMatch(/install -y --no-install-recommends chromium nodejs/);
    expect(byName.full!).toContain('COPY rootfs-full/ /');
  });

  it('gives the build CA to the mermaid builder stage only, never to a shipped stage', () => {
    const byName = stagesByName(lines);
    expect(byName.mermaid!.some((l) => l.includes(CA_DIR))).toBe(true);
    for (const name of ['pyvenv', 'sandbox', 'core', 'full']) {
      expect(
        byName[name]!.some((l) => l.includes(CA_DIR) || l.includes('NODE_EXTRA_CA_CERTS')),
        name,
      ).toBe(false);
    }
    // The shipped stages take only named directories from the builders, not their /tmp.
    const fromBuilders = ['sandbox', 'core', 'full'].flatMap((n) =>
      byName[n]!.filter((l) => l.startsWith('COPY --from=')),
    );
    expect(fromBuilders).toEqual([
      'COPY --from=pyvenv /opt/airlock/venv /opt/airlock/venv',
      'COPY --from=mermaid /opt/airlock/mermaid /opt/airlock/mermaid',
    ]);
  });

  it('never turns TLS verification off', () => {
    expect(lines.join('\n')).not.toMatch(
      /strict-ssl\s*=?\s*false|NODE_TLS_REJECT_UNAUTHORIZED|--trusted-host/i,
    );
  });

  it('ends both targets as uid 10001 in /work, with every OCI label, its flavor and the context label', () => {
    const byName = stagesByName(lines);
    expect(byName.sandbox!).toContain('WORKDIR /work');
    for (const flavor of ['core', 'full']) {
      const st = byName[flavor]!;
      expect(st, flavor).toContain('USER 10001:10001');
      expect(st.some((l) => l.startsWith('WORKDIR') && l !== 'WORKDIR /work')).toBe(false);
      // versions.json is written per flavor, by the script that refuses a wrong one.
      expect(st.join('\n')).toContain(`tool-versions.py /opt/airlock/versions.json ${flavor}`);
      const labels = st.filter((l) => l.startsWith('LABEL')).join(' ');
      for (const k of ['source', 'version', 'revision', 'created', 'title', 'description']) {
        expect(labels, `${flavor} ${k}`).toContain(`org.opencontainers.image.${k}=`);
      }
      expect(labels).toContain(`${FLAVOR_LABEL}=${flavor} `);
      expect(labels).toContain(`${CONTEXT_LABEL}=\${CONTEXT_SHA256}`);
    }
  });

  it('declares exactly the build args airlock image build passes, in each target', () => {
    const passed: (keyof ImageBuildArgs)[] = [
      'CONTEXT_SHA256',
      'IMAGE_CREATED',
      'IMAGE_REVISION',
      'IMAGE_SOURCE',
      'IMAGE_VERSION',
    ];
    const argsOf = (st: string[]) =>
      st
        .filter((l) => l.startsWith('ARG '))
        .map((l) => l.slice(4).split('=')[0]!)
        .sort();
    const all = stages(lines);
    expect(argsOf(all[0]!)).toEqual(['BASE_IMAGE']);
    const byName = stagesByName(lines);
    expect(argsOf(byName.core!)).toEqual(passed);
    expect(argsOf(byName.full!)).toEqual(passed);
  });

  it('sets the runtime environment the sandbox relies on', () => {
    const env = stages(lines)
      .find((st) => st[0] === 'FROM ${BASE_IMAGE} AS sandbox')!
      .filter((l) => l.startsWith('ENV'))
      .join(' ');
    expect(env).toMatch(/PATH=\/opt\/airlock\/venv\/bin:/);
    expect(env).toMatch(/HOME=\/tmp\b/);
    expect(env).toMatch(/MPLBACKEND=Agg/);
    expect(env).toMatch(/MPLCONFIGDIR=\/tmp\//);
    expect(env).toMatch(/PYTHONDONTWRITEBYTECODE=1/);
  });
});

describe('airlock image build (argument handling, no Docker needed)', () => {
  function io() {
    const out = { stdout: '', stderr: '' };
    return {
      out,
      io: {
        stdout: (t: string) => {
          out.stdout += t;
        },
        stderr: (t: string) => {
          out.stderr += t;
        },
        cwd: process.cwd(),
        env: {},
      },
    };
  }

  it('rejects unknown flags and stray arguments with exit 2 (USAGE)', async () => {
    const a = io();
    expect(await main(['image', 'build', '--no-such-flag'], a.io)).toBe(2);
    expect(a.out.stderr).toContain('USAGE');
    const b = io();
    expect(await main(['image', 'build', 'extra'], b.io)).toBe(2);
    expect(b.out.stderr).toContain('USAGE');
  });

  it('fails fast with PATH_INVALID on an unreadable --extra-ca, before any Docker work', async () => {
    const a = io();
    const started = Date.now();
    expect(await main(['image', 'build', '--extra-ca', '/nonexistent/ca.pem'], a.io)).toBe(2);
    expect(a.out.stderr).toContain('PATH_INVALID');
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('prints its usage on --help', async () => {
    const a = io();
    expect(await main(['image', 'build', '--help'], a.io)).toBe(0);
    expect(a.out.stdout).toContain('--extra-ca FILE');
  });
});
