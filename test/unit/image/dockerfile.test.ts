import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/main.js';
import { CA_DIR, CONTEXT_LABEL } from '../../../src/image/build-context.js';
import type { ImageBuildArgs } from '../../../src/image/docker-build.js';
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

  it('starts every stage FROM the overridable BASE_IMAGE', () => {
    expect(lines[0]).toMatch(/^ARG BASE_IMAGE=debian:bookworm-slim$/);
    const froms = lines.filter((l) => /^FROM\s/i.test(l));
    expect(froms.length).toBe(3);
    for (const f of froms) expect(f).toMatch(/^FROM \$\{BASE_IMAGE\}/);
  });

  it('gives the build CA to the mermaid builder stage only, never to the shipped stage', () => {
    const [, mermaid, pyvenv, final] = stages(lines);
    expect(mermaid![0]).toMatch(/ AS mermaid$/);
    expect(mermaid!.some((l) => l.includes(CA_DIR))).toBe(true);
    expect(pyvenv!.some((l) => l.includes(CA_DIR))).toBe(false);
    expect(final!.some((l) => l.includes(CA_DIR) || l.includes('NODE_EXTRA_CA_CERTS'))).toBe(false);
    // The final stage takes only named directories from the builders, not their /tmp.
    const fromBuilders = final!.filter((l) => l.startsWith('COPY --from='));
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

  it('ends as uid 10001 in /work, with every OCI label and the context label fed by a build arg', () => {
    const final = stages(lines).at(-1)!;
    expect(final).toContain('USER 10001:10001');
    expect(final).toContain('WORKDIR /work');
    const labels = final.filter((l) => l.startsWith('LABEL')).join(' ');
    for (const k of ['source', 'version', 'revision', 'created', 'title', 'description']) {
      expect(labels).toContain(`org.opencontainers.image.${k}=`);
    }
    expect(labels).toContain(`${CONTEXT_LABEL}=\${CONTEXT_SHA256}`);
  });

  it('declares exactly the build args airlock image build passes', () => {
    const declared = lines
      .filter((l) => l.startsWith('ARG '))
      .map((l) => l.slice(4).split('=')[0]!)
      .sort();
    const passed: (keyof ImageBuildArgs)[] = [
      'BASE_IMAGE',
      'CONTEXT_SHA256',
      'IMAGE_CREATED',
      'IMAGE_REVISION',
      'IMAGE_SOURCE',
      'IMAGE_VERSION',
    ];
    expect(declared).toEqual(passed);
  });

  it('sets the runtime environment the sandbox relies on', () => {
    const env = stages(lines)
      .at(-1)!
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
