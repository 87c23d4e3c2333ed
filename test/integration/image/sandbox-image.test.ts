import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { CONTEXT_LABEL } from '../../../src/image/build-context.js';
import { type BuildImageResult, buildSandboxImage } from '../../../src/image/build-image.js';
import { defaultExtraCaFile, extractCertificates } from '../../../src/image/extra-ca.js';
import { FLAVOR_LABEL, LOCAL_IMAGE_TAGS } from '../../../src/image/flavor.js';
import { findImagesDir } from '../../../src/image/image-metadata.js';
import { LOCK_FILE, parseLock } from '../../../src/image/wheelhouse.js';

/**
 * The real sandbox images, both flavors, built (or found up to date: `ifChanged`, so
 * a second test run reuses them) from images/Dockerfile, and checked from the inside
 * under the same hardened flags the runner uses. A cold build takes minutes; the
 * no-op check seconds. core is checked throughout; full where it differs (Chromium,
 * Mermaid, and the npm step that is the only user of the extra CA).
 */
const IMAGE = LOCAL_IMAGE_TAGS.core;
const FULL = LOCAL_IMAGE_TAGS.full;
// This machine's npm traffic goes through a TLS proxy whose CA is only in the host
// bundle: the same default the CLI takes (NODE_EXTRA_CA_CERTS, SSL_CERT_FILE).
const EXTRA_CA = defaultExtraCaFile(process.env) ?? '/etc/ssl/certs/ca-certificates.crt';

/** The runner's hardening flags; `user` 0:0 only where a check must read every file. */
function hardened(user: string): string[] {
  return [
    'run',
    '--rm',
    '--network',
    'none',
    '--read-only',
    '--cap-drop=ALL',
    '--security-opt',
    'no-new-privileges',
    '--user',
    user,
    '--memory',
    '1g',
    '--pids-limit',
    '256',
    '--tmpfs',
    '/tmp:rw,nosuid,size=512m',
  ];
}

async function inImage(argv: string[], opts: { root?: boolean; image?: string } = {}) {
  const image = opts.image ?? IMAGE;
  const r = await tryRunCommand('docker', [...hardened(opts.root ? '0:0' : '10001:10001'), image, ...argv], {
    timeoutMs: 240_000,
  });
  return { code: r.exitCode, out: r.stdout, err: r.stderr };
}

let first: BuildImageResult;
let second: BuildImageResult;
let full: BuildImageResult;
const progress: string[] = [];

beforeAll(async () => {
  first = await buildSandboxImage({
    flavor: 'core',
    tag: IMAGE,
    ifChanged: true,
    extraCaFile: EXTRA_CA,
    progress: (l) => progress.push(l),
  });
  second = await buildSandboxImage({ flavor: 'core', tag: IMAGE, ifChanged: true, extraCaFile: EXTRA_CA });
  full = await buildSandboxImage({ flavor: 'full', tag: FULL, ifChanged: true, extraCaFile: EXTRA_CA });
}, 2_400_000);

describe('airlock image build', () => {
  it('reports the image it built or found, and the --if-changed second call does not rebuild', async () => {
    expect(first.ref).toBe(IMAGE);
    expect(first.id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(first.sizeBytes).toBeGreaterThan(500_000_000);
    expect(progress.length).toBeGreaterThan(0);
    expect(second.built).toBe(false);
    expect(second.id).toBe(first.id);
    console.info(
      `image ${IMAGE}: ${(first.sizeBytes / 1e6).toFixed(0)} MB; first call built=${first.built} in ${(first.durationMs / 1000).toFixed(1)} s; no-op --if-changed ${(second.durationMs / 1000).toFixed(1)} s; ${FULL}: ${(full.sizeBytes / 1e6).toFixed(0)} MB`,
    );
  });

  it("builds core and full as different images, full on top of core's layers and larger", async () => {
    expect(first.flavor).toBe('core');
    expect(full.flavor).toBe('full');
    expect(full.id).not.toBe(first.id);
    expect(full.sizeBytes).toBeGreaterThan(first.sizeBytes + 300_000_000);
    const layers = async (ref: string) =>
      JSON.parse(
        (await tryRunCommand('docker', ['image', 'inspect', '--format', '{{json .RootFS.Layers}}', ref]))
          .stdout,
      ) as string[];
    const core = await layers(IMAGE);
    // Every layer of core but its last (versions.json, written per flavor) is shared.
    expect((await layers(FULL)).slice(0, core.length - 1)).toEqual(core.slice(0, -1));
  });

  it('labels the image with the OCI keys and the context digest', async () => {
    const r = await tryRunCommand('docker', ['image', 'inspect', '--format', '{{json .Config}}', IMAGE]);
    const config = JSON.parse(r.stdout) as {
      Labels: Record<string, string>;
      User: string;
      WorkingDir: string;
    };
    for (const k of ['source', 'version', 'revision', 'created', 'title', 'description']) {
      expect(config.Labels[`org.opencontainers.image.${k}`], k).toBeTruthy();
    }
    expect(config.Labels[CONTEXT_LABEL]).toMatch(/^[0-9a-f]{64}$/);
    expect(config.Labels[FLAVOR_LABEL]).toBe('core');
    const fullLabels = JSON.parse(
      (await tryRunCommand('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', FULL]))
        .stdout,
    ) as Record<string, string>;
    expect(fullLabels[FLAVOR_LABEL]).toBe('full');
    // The flavor is part of the build's digest: one can never pass for the other.
    expect(fullLabels[CONTEXT_LABEL]).not.toBe(config.Labels[CONTEXT_LABEL]);
    expect(Number.isNaN(Date.parse(config.Labels['org.opencontainers.image.created']!))).toBe(false);
    expect(config.User).toBe('10001:10001');
    expect(config.WorkingDir).toBe('/work');
  });
});

describe('inside the sandbox image (hardened flags, no network, read-only root)', () => {
  it('runs as the non-root sandbox user without a login shell or password', async () => {
    const r = await inImage(['sh', '-c', 'id -u; id -g; id -un; getent passwd sandbox']);
    expect(r.code).toBe(0);
    const [uid, gid, name, passwd] = r.out.trim().split('\n');
    expect([uid, gid, name]).toEqual(['10001', '10001', 'sandbox']);
    expect(passwd).toMatch(/:\/usr\/sbin\/nologin$/);
    const shadow = await inImage(['sh', '-c', 'grep "^sandbox:" /etc/shadow | cut -d: -f2'], { root: true });
    expect(shadow.out.trim()).toMatch(/^[!*]/);
  });

  it.each([
    ['core', IMAGE],
    ['full', FULL],
  ])(
    '%s has no compiler, no package lists or caches, no setuptools, only the locked pip, and no setuid files',
    async (_flavor, image) => {
      const inIt = (argv: string[]) => inImage(argv, { image });
      const tools = await inIt([
        'sh',
        '-c',
        'for t in gcc cc g++ c++ clang cpp; do command -v $t; done; python3 -c "import setuptools" 2>/dev/null && echo setuptools; true',
      ]);
      expect(tools.out.trim()).toBe('');
      // pip stays for the egress install phase: the venv's own, at the lock's version.
      const lock = parseLock(readFileSync(path.join(findImagesDir(), LOCK_FILE), 'utf8'));
      const pip = await inIt(['sh', '-c', 'command -v pip; python3 -m pip --version']);
      expect(pip.out).toMatch(
        new RegExp(
          `^/opt/airlock/venv/bin/pip\npip ${lock.find((p) => p.name === 'pip')?.version} from /opt/airlock/venv/`,
        ),
      );
      const state = await inIt([
        'sh',
        '-c',
        'find /var/lib/apt/lists /var/cache/apt /root/.cache /root/.npm /tmp -mindepth 1 2>/dev/null; find / -xdev -type f -perm /6000 2>/dev/null; true',
      ]);
      expect(state.out.trim()).toBe('');
      expect((await inIt(['test', '-d', '/var/lib/apt/lists'])).code).toBe(0);
    },
  );

  it("does not contain the build machine's extra CA anywhere (full: the flavor whose npm step used it)", async () => {
    // The certificates of the bundle the build was given that are not public
    // roots: on this machine, the TLS proxy's CA. Public roots are legitimately in
    // the image (Node and Chromium compile Mozilla's list in), so they are left out
    // by comparing with Debian's copy of that list on the host.
    const given = extractCertificates(await readFile(EXTRA_CA, 'utf8'), EXTRA_CA);
    const mozillaDir = '/usr/share/ca-certificates/mozilla';
    const publicRoots = new Set<string>();
    for (const name of await readdir(mozillaDir)) {
      const pem = await readFile(path.join(mozillaDir, name), 'utf8');
      publicRoots.add(new X509Certificate(pem).fingerprint256);
    }
    const foreign = given.filter((p) => !publicRoots.has(new X509Certificate(p).fingerprint256));
    expect(foreign.length).toBeGreaterThan(0);
    // A 64-character base64 line from inside each certificate: unique to it, and
    // what any PEM copy of it would contain.
    const needles = foreign.map((p) => p.split('\n').filter((l) => /^[A-Za-z0-9+/]{64}$/.test(l))[2]!);
    const scan = await inImage(
      [
        'sh',
        '-c',
        'grep -rlsF "$@" / --exclude-dir=proc --exclude-dir=sys --exclude-dir=dev; echo "exit $?"',
        'scan',
        ...needles.flatMap((n) => ['-e', n]),
      ],
      { root: true, image: FULL },
    );
    expect(scan.out.trim()).toBe('exit 1'); // grep: 1 = nothing found
    const history = await tryRunCommand('docker', [
      'history',
      '--no-trunc',
      '--format',
      '{{.CreatedBy}}',
      FULL,
    ]);
    expect(history.stdout).not.toMatch(/build-ca|NODE_EXTRA_CA_CERTS/);
  });

  it('has Debian Python 3.11 with polars, pandas, matplotlib and networkx importable', async () => {
    const v = await inImage(['python3', '--version']);
    expect(v.out).toMatch(/^Python 3\.11\.\d+/);
    const code = [
      'import polars as pl, pandas as pd, matplotlib, networkx as nx, matplotlib.pyplot as plt',
      'df = pl.DataFrame({"a": [1, 2, 3]})',
      'assert df["a"].sum() == 6',
      'assert pd.DataFrame({"a": [1, 2]}).a.sum() == 3',
      'assert nx.shortest_path_length(nx.path_graph(4), 0, 3) == 3',
      'plt.plot([1, 2]); plt.savefig("/tmp/p.png")',
      'assert matplotlib.get_backend().lower() == "agg"',
      'print("ok", pl.__version__)',
    ].join('\n');
    const r = await inImage(['python3', '-c', code]);
    expect(r.err).toBe('');
    expect(r.out).toMatch(/^ok \d+\.\d+/);
  });

  it('core has no browser, no Node.js and no Mermaid CLI', async () => {
    const r = await inImage([
      'sh',
      '-c',
      'for t in chromium node nodejs mmdc; do command -v $t; done; ls -d /usr/lib/chromium /opt/airlock/mermaid 2>/dev/null; true',
    ]);
    expect(r.out.trim()).toBe('');
  });

  it('renders Graphviz (both) and Mermaid diagrams (full) offline', async () => {
    const dot = await inImage(['dot', '-V']);
    expect(dot.err).toMatch(/graphviz version \d+\.\d+/);
    expect((await inImage(['mmdc', '--version'], { image: FULL })).out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const r = await inImage(
      [
        'sh',
        '-c',
        'cd /tmp && printf "digraph{a->b}" | dot -Tsvg -o g.svg && printf "graph TD\\nA-->B\\n" > m.mmd && mmdc -q -i m.mmd -o m.svg && grep -c "<svg" g.svg; grep -c "<svg" m.svg',
      ],
      { image: FULL },
    );
    expect(r.code, r.err).toBe(0);
    expect(r.out.trim().split('\n')).toEqual(['1', '1']);
  }, 120_000);

  it('ships a truthful tool versions file per flavor', async () => {
    const r = await inImage(['cat', '/opt/airlock/versions.json']);
    const versions = JSON.parse(r.out) as Record<string, string | null>;
    const fullVersions = JSON.parse(
      (await inImage(['cat', '/opt/airlock/versions.json'], { image: FULL })).out,
    ) as Record<string, string | null>;
    expect(versions.flavor).toBe('core');
    expect(fullVersions.flavor).toBe('full');
    for (const k of [
      'python',
      'bandit',
      'semgrep',
      'polars',
      'pandas',
      'matplotlib',
      'networkx',
      'graphviz',
      'pip',
      'nbclient',
      'ipykernel',
    ]) {
      expect(versions[k], k).toMatch(/\d+\.\d+/);
      expect(fullVersions[k], k).toBe(versions[k]);
    }
    for (const k of ['mermaid-cli', 'chromium', 'nodejs']) {
      expect(versions[k], k).toBeNull();
      expect(fullVersions[k], k).toMatch(/\d+\.\d+/);
    }
    expect(versions.python).toMatch(/^3\.11\./);
    const bandit = await inImage(['bandit', '--version']);
    expect(bandit.out).toContain(versions.bandit!);
    // The scanners are the lock's versions, and they are what runs.
    const lock = parseLock(readFileSync(path.join(findImagesDir(), LOCK_FILE), 'utf8'));
    expect(versions.bandit).toBe(lock.find((p) => p.name === 'bandit')?.version);
    expect(versions.semgrep).toBe(lock.find((p) => p.name === 'semgrep')?.version);
    const semgrep = await inImage(['semgrep', '--version']);
    expect(semgrep.code, semgrep.err).toBe(0);
    expect(semgrep.out.trim()).toBe(versions.semgrep);
  }, 60_000);

  it("trusts Debian's public CA bundle (Semgrep needs one to start), never the build machine's CA", async () => {
    const r = await inImage(['dpkg-query', '-W', `-f=\${Status} \${Version}`, 'ca-certificates']);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/^install ok installed \d{8}/);
    const versions = JSON.parse((await inImage(['cat', '/opt/airlock/versions.json'])).out) as Record<
      string,
      string
    >;
    expect(r.out.split(' ').at(-1)).toBe(versions['ca-certificates']);
    expect((await inImage(['test', '-s', '/etc/ssl/certs/ca-certificates.crt'])).code).toBe(0);
    // That the build machine's CA is not among the anchors: the test above.
  });
});
