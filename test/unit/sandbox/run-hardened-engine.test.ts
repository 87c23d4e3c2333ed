import { describe, expect, it } from 'vitest';
import {
  type ContainerEngine,
  type ContainerState,
  EngineFailure,
  type ExecOutcome,
  type ExecSinks,
} from '../../../src/sandbox/container-engine.js';
import type { ContainerSpec } from '../../../src/sandbox/container-spec.js';
import { liveContainers } from '../../../src/sandbox/containers.js';
import type { ExecConfig } from '../../../src/sandbox/exec-config.js';
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { hardenedSpec } from '../../helpers/hardened-spec.js';

/**
 * runHardened's decisions, given each typed outcome an engine can give: the order of
 * its calls, fail-closed when the engine goes, classification by kind (never by text),
 * the timeout. A fake engine only here: the real one is driven in
 * test/integration/sandbox/ (docker-engine.test.ts, limits.test.ts).
 */

type Script = (sinks: ExecSinks, signal?: AbortSignal) => Promise<ExecOutcome>;

class FakeEngine implements ContainerEngine {
  readonly endpoint = 'unix:///fake.sock';
  calls: string[] = [];
  constructor(
    private readonly script: Script,
    private readonly createFailure?: EngineFailure,
  ) {}
  async ping() {
    return true;
  }
  async create(spec: ContainerSpec) {
    this.calls.push('create');
    if (this.createFailure) throw this.createFailure;
    expect(spec.network).toBe('none');
    return 'f'.repeat(64);
  }
  async start() {
    this.calls.push('start');
  }
  async exec(_c: string, cfg: ExecConfig, sinks: ExecSinks, opts: { signal?: AbortSignal } = {}) {
    this.calls.push(`exec ${cfg.cmd[0]}`);
    return this.script(sinks, opts.signal);
  }
  async copyOut(): Promise<never> {
    throw new Error('not used');
  }
  async wait() {}
  async kill() {
    this.calls.push('kill');
  }
  async remove() {
    this.calls.push('remove');
    return true;
  }
  async inspect(): Promise<ContainerState | null> {
    this.calls.push('inspect');
    return { running: true, oomKilled: false };
  }
  async imageId() {
    return 'sha256:x';
  }
  async listContainers() {
    return [];
  }
  async runtimes() {
    return ['runc'];
  }
}

const say =
  (text: string, exitCode: number | null): Script =>
  async (sinks) => {
    sinks.stderr(Buffer.from(text));
    return { exitCode };
  };

describe('runHardened over a ContainerEngine', () => {
  it('creates, starts, execs, then removes, in that order; exit 0 is success', async () => {
    const engine = new FakeEngine(say('', 0));
    const r = await runHardened(hardenedSpec(), engine);
    expect(r.status).toBe('success');
    expect(engine.calls).toEqual(['create', 'start', 'exec python3', 'inspect', 'remove']);
    expect(liveContainers()).toEqual([]);
  });

  it('a script that prints engine errors and exits 126 is a failure (issue 21, item 12a)', async () => {
    const r = await runHardened(
      hardenedSpec(),
      new FakeEngine(say('OCI runtime exec failed: x\nError response from daemon: y\n', 126)),
    );
    expect([r.status, r.exitCode, r.reason]).toEqual(['failure', 126, 'exit code 126']);
  });

  it.each([
    ['engine-gone', 'the Docker engine stopped answering while the script ran'],
    ['exec-failed', 'the engine could not start the command'],
    ['container-missing', 'the sandbox container went away while the script ran'],
  ] as const)(
    'an exec that ends in %s is the sandbox error, never the script failure',
    async (kind, reason) => {
      const engine = new FakeEngine(async () => {
        throw new EngineFailure(kind, 'detail');
      });
      const r = await runHardened(hardenedSpec(), engine);
      expect([r.status, r.exitCode, r.reason]).toEqual(['error', null, `${reason}: detail`]);
      expect(engine.calls.at(-1)).toBe('remove');
    },
  );

  it('an image the engine lacks: no exec at all, an error that says how to fix it', async () => {
    const engine = new FakeEngine(say('', 0), new EngineFailure('image-missing', 'No such image'));
    const r = await runHardened(hardenedSpec(), engine);
    expect(r.status).toBe('error');
    expect(r.reason).toContain('airlock image build');
    expect(engine.calls).toEqual(['create', 'remove']);
  });

  it('the timeout removes the container, stops reading, and classifies timeout', async () => {
    const spec = hardenedSpec({ limits: { ...hardenedSpec().limits, timeoutSeconds: 1 } });
    const engine = new FakeEngine(
      (_sinks, signal) =>
        new Promise((_resolve, reject) => {
          signal?.addEventListener('abort', () =>
            reject(Object.assign(new Error('aborted'), { name: 'AbortError' })),
          );
        }),
    );
    const r = await runHardened(spec, engine);
    expect([r.status, r.exitCode]).toEqual(['timeout', null]);
    expect(engine.calls.slice(0, 4)).toEqual(['create', 'start', 'exec python3', 'remove']);
  });
});
