import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { newContainerIds } from '../../../src/sandbox/containers.js';
import { buildDockerRunArgs } from '../../../src/sandbox/docker-args.js';
import { createContainer, removeContainer } from '../../../src/sandbox/docker.js';
import { localEngine, resetLocalEngine } from '../../../src/sandbox/engine-api.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { containersWithLabel, specFor } from './helpers.js';

/**
 * The gate creates its containers through the engine's socket, from a translation of
 * the `docker run` argv (src/sandbox/create-request.ts). The engine is the judge of
 * whether the two are the same container: one is created each way from the same spec
 * and what `docker inspect` reports of them is compared, field by field.
 */

const LABEL = 'org.airlock.it-create-request';
let image: string;
const made: string[] = [];

function useCli(cli: boolean): void {
  if (cli) process.env.AIRLOCK_DOCKER_CLI = '1';
  else delete process.env.AIRLOCK_DOCKER_CLI;
  resetLocalEngine();
}

async function create(spec: HardenedRunSpec, cli: boolean) {
  useCli(cli);
  expect(await localEngine()).toEqual(cli ? null : expect.anything());
  const ids = newContainerIds(cli ? 'cli' : 'api');
  made.push(ids.name);
  const r = await createContainer(buildDockerRunArgs(spec, ids, 5), 120_000);
  useCli(false);
  return { ids, r };
}

async function inspect(name: string): Promise<Record<string, unknown>> {
  const r = await tryRunCommand('docker', ['inspect', name]);
  expect(r.exitCode, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as Record<string, unknown>[])[0] as Record<string, unknown>;
}

/** Engine defaults the CLI sends explicitly and the API leaves unset: [] / {} / null alike. */
function normalise(v: unknown): unknown {
  if (Array.isArray(v)) {
    if (v.length === 0) return null;
    const items = v.map(normalise);
    // The CLI sorts some lists (ulimits) and orders env by its own map: order carries no meaning here.
    return items.every((x) => typeof x === 'string')
      ? [...(items as string[])].sort()
      : items.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));
  }
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return null;
    return Object.fromEntries(
      entries.map(([k, x]) => [k, normalise(x)]).sort(([a], [b]) => String(a).localeCompare(String(b))),
    );
  }
  return v;
}

beforeAll(async () => {
  image = await ensureTestImage();
});

afterEach(() => useCli(false));

afterAll(async () => {
  for (const n of made) await removeContainer(n);
  expect(await containersWithLabel(LABEL)).toEqual([]);
});

describe('createContainer: the engine socket and `docker run --detach` make the same container', () => {
  it('same Config, HostConfig and mounts, both running', async () => {
    const spec: HardenedRunSpec = {
      ...specFor(image, LABEL, 'print(1)\n', { collect: true, env: { EXTRA_VAR: 'x y' } }),
    };
    const cli = await create(spec, true);
    const api = await create(spec, false);
    expect(cli.r.exitCode, cli.r.stderr).toBe(0);
    expect(api.r.exitCode, api.r.stderr).toBe(0);
    expect(api.r.stdout).toMatch(/^[a-f0-9]{64}\n$/);
    const a = await inspect(cli.ids.name);
    const b = await inspect(api.ids.name);
    expect((b.State as { Running: boolean }).Running).toBe(true);
    expect(b.Id).toBe(api.r.stdout.trim());
    const cfg = (x: Record<string, unknown>) => {
      const c = { ...(x.Config as Record<string, unknown>) };
      return normalise(c);
    };
    // The names differ by construction; everything else must not.
    const named = (x: Record<string, unknown>) => x.Name;
    expect(named(a)).not.toEqual(named(b));
    expect(cfg(b)).toEqual(cfg(a));
    expect(normalise(b.HostConfig)).toEqual(normalise(a.HostConfig));
    const mounts = (x: Record<string, unknown>) =>
      normalise(
        (x.Mounts as Record<string, unknown>[]).map(({ Source, Destination, RW, Type }) => ({
          Source,
          Destination,
          RW,
          Type,
        })),
      );
    expect(mounts(b)).toEqual(mounts(a));
    expect(b.Path).toEqual(a.Path);
    expect(b.Args).toEqual(a.Args);
    // Spot checks that the comparison is about the hardening, not two empty objects.
    const h = b.HostConfig as Record<string, unknown>;
    expect(h.CapDrop).toEqual(['ALL']);
    expect(h.ReadonlyRootfs).toBe(true);
    expect(h.NetworkMode).toBe('none');
    expect(h.PidsLimit).toBe(spec.limits.pids);
  });

  it("refuses as the CLI does: a missing image (never pulled) and an unknown runtime, with the engine's message", async () => {
    const missing = { ...specFor('airlock-no-such-image:never', LABEL, 'print(1)\n') };
    for (const cli of [true, false]) {
      const { r } = await create(missing, cli);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/No such image|Unable to find image/);
    }
    const runtime = specFor(image, LABEL, 'print(1)\n');
    const bogus = { ...runtime, sandbox: { ...runtime.sandbox, runtime: 'runsc' as const } };
    // runsc is registered here; an unregistered name is what must be refused. The builder only
    // emits runc/runsc, so the argv is edited after it, as a misconfigured engine would see it.
    for (const cli of [true, false]) {
      useCli(cli);
      const ids = newContainerIds('rt');
      made.push(ids.name);
      const args = buildDockerRunArgs(bogus, ids).map((a) => (a === 'runsc' ? 'airlock-no-such-runtime' : a));
      const r = await createContainer(args, 60_000);
      useCli(false);
      expect(r.exitCode).not.toBe(0);
      // Engine 20.10 says "Unknown runtime specified X"; newer ones "unknown or invalid runtime name: X".
      expect(r.stderr).toMatch(
        /Unknown runtime specified airlock-no-such-runtime|unknown or invalid runtime/i,
      );
    }
  });
});
