import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineApi } from '../../../src/sandbox/engine-api.js';
import { prepareSandboxEngine } from '../../../src/sandbox/engine-limits-check.js';
import { containerSpecFor } from '../../../src/sandbox/container-spec.js';
import { newContainerIds, removeContainer } from '../../../src/sandbox/containers.js';
import { defaultEngine } from '../../../src/sandbox/docker-engine.js';
import { engineSpec, useEngine } from '../../../src/sandbox/engine-select.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { ensurePodmanImage } from '../../helpers/podman.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * Podman 4.3.1 (Debian 12's) deadlocks its whole service when a container created with a
 * bare `--userns auto` races a removal or a cleanup: containers/storage works the range's
 * size out from the image while it holds the layer lock and takes the store lock inside
 * it, the reverse of every other path (podman#16062, fixed in 4.4). Airlock asks for a
 * sized range (src/sandbox/engine-select.ts). Two loads, four workers each: scripts run
 * back to back through runHardened as a parallel gate runs them, and containers of
 * Airlock's own Podman spec that end by themselves while the next ones are created (the
 * interleaving that wedges the service: with a bare `auto` the second load hung it at
 * its 16th container here). A call that does not end, or a container left, fails this.
 */
const LABEL = 'org.airlock.it-podman-parallel';
const WORKERS = 4;
const RUNS_PER_WORKER = 30;
const CHURN_PER_WORKER = 80;
/** Far above one run (about a second); a deadlocked service never answers at all. */
const RUN_DEADLINE_MS = 60_000;

let image: string;

beforeAll(async () => {
  image = await ensureTestImage();
  await ensurePodmanImage(image);
  await prepareSandboxEngine('podman', 'runc');
}, 600_000);

afterAll(() => {
  useEngine({ kind: 'docker', socket: '/var/run/docker.sock', how: 'requested' });
});

function withinDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new Error(
            `${what} did not end within ${RUN_DEADLINE_MS / 1000} s: the Podman service stopped answering`,
          ),
        ),
      RUN_DEADLINE_MS,
    );
  });
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

describe('Podman under a parallel gate', () => {
  it(`${WORKERS} workers x ${RUNS_PER_WORKER} scripts: every run ends, the service still answers, nothing is left`, async () => {
    const spec = specFor(image, LABEL, 'print("ran")');
    const statuses = new Map<string, number>();
    const worker = async (w: number) => {
      for (let i = 0; i < RUNS_PER_WORKER; i++) {
        const r = await withinDeadline(runHardened(spec), `worker ${w}, run ${i}`);
        const key = r.status === 'success' && r.stdout === 'ran\n' ? 'success' : `${r.status}: ${r.reason}`;
        statuses.set(key, (statuses.get(key) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    expect(Object.fromEntries(statuses)).toEqual({ success: WORKERS * RUNS_PER_WORKER });
    // A call that takes the store's locks (listing every container) still answers.
    const api = await EngineApi.connect('/run/podman/podman.sock');
    if (api === null) throw new Error('the Podman service no longer answers /_ping');
    const listed = await withinDeadline(
      api.request('GET', '/containers/json?all=true', undefined, 10_000),
      'listing containers afterwards',
    );
    expect(listed.status).toBe(200);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  }, 900_000);

  it(`${WORKERS} workers x ${CHURN_PER_WORKER} containers that end by themselves: Airlock's Podman spec never wedges the service`, async () => {
    // The same container Airlock makes, but its main process ends after 0.2 s, so the
    // engine's own cleanup (a separate process) races the next worker's create: the
    // interleaving that deadlocks 4.3.1 with a bare `auto`.
    const run = specFor(image, LABEL, 'print("unused")');
    const engine = defaultEngine();
    let ended = 0;
    const worker = async (w: number) => {
      for (let i = 0; i < CHURN_PER_WORKER; i++) {
        const spec = {
          ...engineSpec(containerSpecFor(run, newContainerIds(run.sandbox.label))),
          cmd: ['0.2'],
        };
        await withinDeadline(
          (async () => {
            const id = await engine.create(spec);
            await engine.start(id);
            await new Promise((r) => setTimeout(r, 100 + ((w * 37 + i * 11) % 300)));
            await removeContainer(engine, spec.name);
          })(),
          `worker ${w}, container ${i}`,
        );
        ended += 1;
      }
    };
    await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
    expect(ended).toBe(WORKERS * CHURN_PER_WORKER);
    expect(await containersWithLabel(LABEL)).toEqual([]);
  }, 900_000);
});
