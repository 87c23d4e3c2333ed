import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runPool } from '../../../src/sandbox/pool.js';
import { prepareSandboxEngine } from '../../../src/sandbox/engine-limits-check.js';
import { type EngineKind, useEngine } from '../../../src/sandbox/engine-select.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import type { SandboxConfig, SandboxRuntime } from '../../../src/sandbox/types.js';
import { FAKE_SECRET, loadManifest } from '../../helpers/hostile-corpus.js';
import {
  type ContainmentRow,
  leftoverContainers,
  runHostileCase,
} from '../../helpers/hostile-containment.js';
import { writeEvidence } from '../../helpers/hostile-evidence.js';
import { type HostListeners, startHostListeners } from '../../helpers/hostile-host-probes.js';
import { ensurePodmanImage } from '../../helpers/podman.js';
import { ensureTestImage } from '../../helpers/test-image.js';

/**
 * Every runtime case of the hostile corpus (test/hostile/manifest.json) runs in the
 * real hardened sandbox, whatever its scan result: the sandbox must contain what the
 * scanners miss, so it is tested without their help. Under runc and under gVisor on
 * Docker, and on rootful Podman (runc, a user namespace per container: scripts/setup.sh
 * starts its service). No leg is skipped: an engine missing here fails its leg.
 */
const { runtime: cases } = loadManifest();
const LABEL = 'org.airlock.hostile-test';
// Three containers at a time on 2 cores: most cases wait on a limit, not the CPU.
const PARALLEL = 3;
const SECRET_VARS = ['GITHUB_TOKEN', 'ACTIONS_RUNTIME_TOKEN', 'AIRLOCK_HOSTILE_SECRET'];

interface Leg {
  engine: EngineKind;
  runtime: SandboxRuntime;
  /** Evidence file name part; the Docker legs keep their runtime's name. */
  evidence: string;
}
const LEGS: [string, Leg][] = [
  ['runc', { engine: 'docker', runtime: 'runc', evidence: 'runc' }],
  ['runsc', { engine: 'docker', runtime: 'runsc', evidence: 'runsc' }],
  ['podman + runc (rootful, userns auto)', { engine: 'podman', runtime: 'runc', evidence: 'podman-runc' }],
];

describe.each(LEGS)('hostile corpus contained under %s', (_title, { engine, runtime, evidence }) => {
  const rows = new Map<string, ContainmentRow>();
  let listeners: HostListeners;
  let leftovers: string[] = [];
  const saved = new Map<string, string | undefined>();

  beforeAll(async () => {
    // The small test image by default; scripts/evidence.sh runs the corpus against the
    // shipped sandbox image too (AIRLOCK_HOSTILE_IMAGE=airlock-sandbox:local).
    const image = process.env.AIRLOCK_HOSTILE_IMAGE || (await ensureTestImage());
    if (engine === 'podman') await ensurePodmanImage(image);
    // Podman: refused unless it enforces the limits; then every call below goes to it.
    await prepareSandboxEngine(engine, runtime);
    // Airlock's own environment holds a fake token, as on a real runner.
    for (const k of SECRET_VARS) {
      saved.set(k, process.env[k]);
      process.env[k] = FAKE_SECRET;
    }
    listeners = await startHostListeners();
    const sandbox: SandboxConfig = {
      image,
      runtime,
      user: '10001:10001',
      parallelism: PARALLEL,
      label: LABEL,
    };
    const started = performance.now();
    const results = await runPool(cases, PARALLEL, (e) =>
      runHostileCase(e, { runner: runHardened, sandbox }),
    );
    const wallMs = Math.round(performance.now() - started);
    for (const r of results) rows.set(r.id, r);
    leftovers = await leftoverContainers(LABEL);
    writeEvidence(`hostile-containment-${evidence}.json`, {
      engine,
      runtime,
      wallMs,
      rows: results,
      hostConnections: listeners.connections,
      hostEndpoints: listeners.endpoints,
      leftoverContainers: leftovers,
    });
  });

  afterAll(async () => {
    useEngine({ kind: 'docker', socket: null, how: 'requested' });
    await listeners?.close();
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it.each(cases.map((c) => [c.id, c] as const))('%s', (id) => {
    const row = rows.get(id);
    expect(row, `case ${id} did not run`).toBeDefined();
    expect(row!.escapes, row!.escapes.join('\n')).toEqual([]);
    expect(row!.problems, row!.problems.join('\n')).toEqual([]);
  });

  it('no host tripwire saw a connection', () => {
    expect(listeners.connections).toEqual([]);
  });

  it('no container is left behind', () => {
    expect(leftovers).toEqual([]);
  });
});
