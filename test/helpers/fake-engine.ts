import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExecutionResult } from '../../src/report/types.js';
import {
  type ContainerEngine,
  type ContainerState,
  type ContainerSummary,
  type CopyOut,
  EngineFailure,
  type ExecOutcome,
  type ExecSinks,
} from '../../src/sandbox/container-engine.js';
import type { ContainerSpec } from '../../src/sandbox/container-spec.js';
import type { ExecConfig } from '../../src/sandbox/exec-config.js';
import { COPY_OUT_TAG } from '../../src/sandbox/exec-config.js';
import { notStartedResult } from '../../src/sandbox/run-hardened.js';
import type { HardenedRunSpec } from '../../src/sandbox/types.js';

/**
 * An in-memory ContainerEngine for unit tests of the pipeline (runGate) and what it
 * drives: containers are map entries, an exec is the script's scripted behaviour (keyed
 * by the script's file name as the exec's argv names it), and the engine can be "gone"
 * (every call then fails as the real one does: ping false, EngineFailure 'engine-gone').
 * The real engine is driven in test/integration/sandbox/.
 */

/** What the exec of one script does. */
export type FakeBehaviour =
  | { kind: 'exit'; code: number; stdout?: string; stderr?: string }
  /** The kernel's OOM killer ends it: exit 137 and the container stopped, OOMKilled. */
  | { kind: 'oom' }
  /** Never ends by itself: until the exec's signal aborts (the timeout, a cancel) or the container is removed. */
  | { kind: 'hang' }
  /** The engine goes away during the exec (and stays away). */
  | { kind: 'engine-gone' }
  /** Anything else, by hand. */
  | { kind: 'custom'; run: (ctx: FakeExecContext) => Promise<ExecOutcome> };

export interface FakeExecContext {
  engine: FakeEngine;
  container: string;
  script: string;
  sinks: ExecSinks;
  signal?: AbortSignal;
}

interface FakeContainer {
  spec: ContainerSpec;
  id: string;
  running: boolean;
  oomKilled: boolean;
  /** Rejects a hanging exec when the container is removed (as removal ends a real exec). */
  onRemove: (() => void)[];
}

const abortError = () => Object.assign(new Error('The operation was aborted'), { name: 'AbortError' });

/** The script an exec runs: the `./name.py` argument (also through the copy-out launcher). */
export function scriptOf(cfg: ExecConfig): string {
  const last = cfg.cmd.at(-1) ?? '';
  return last.replace(/^\.\//, '');
}

export class FakeEngine implements ContainerEngine {
  readonly endpoint = 'unix:///fake/engine.sock';
  up = true;
  /** Images the engine has: ref -> id. */
  readonly images = new Map<string, string>();
  /** Scripts' behaviours by file name; absent: exit 0. */
  readonly behaviours = new Map<string, FakeBehaviour>();
  readonly containers = new Map<string, FakeContainer>();
  /** Containers the engine lists before any run (e.g. an earlier run's orphans). */
  readonly preexisting: ContainerSummary[] = [];
  /** Every call, in order: `create NAME`, `exec SCRIPT`, `remove NAME`, `ping`, `imageId REF`, ... */
  readonly calls: string[] = [];
  /** Every spec the engine was asked to create, in order. */
  readonly created: ContainerSpec[] = [];
  /** Scripts whose exec started, in order. */
  readonly executed: string[] = [];
  /** Called as a script's exec starts (a test can cancel the run there). */
  onExec?: (script: string) => void;
  private ids = 0;

  constructor(images: Record<string, string> = {}) {
    for (const [ref, id] of Object.entries(images)) this.images.set(ref, id);
  }

  /** The engine stops answering (dockerd stopped, socket gone). */
  goAway(): void {
    this.up = false;
  }

  private need(what: string): void {
    this.calls.push(what);
    if (!this.up) throw new EngineFailure('engine-gone', `the fake engine is gone (${what})`);
  }

  private container(name: string): FakeContainer {
    const c = this.containers.get(name) ?? [...this.containers.values()].find((x) => x.id === name);
    if (!c) throw new EngineFailure('container-missing', `no such container: ${name}`);
    return c;
  }

  async ping(): Promise<boolean> {
    this.calls.push('ping');
    return this.up;
  }

  async runtimes(): Promise<string[]> {
    this.need('runtimes');
    return ['runc'];
  }

  async create(spec: ContainerSpec): Promise<string> {
    this.need(`create ${spec.name}`);
    this.created.push(spec);
    if (!this.images.has(spec.image))
      throw new EngineFailure('image-missing', `No such image: ${spec.image}`);
    this.ids += 1;
    const id = this.ids.toString(16).padStart(64, '0');
    this.containers.set(spec.name, { spec, id, running: false, oomKilled: false, onRemove: [] });
    return id;
  }

  async start(id: string): Promise<void> {
    this.need(`start ${id}`);
    this.container(id).running = true;
  }

  async exec(
    container: string,
    cfg: ExecConfig,
    sinks: ExecSinks,
    opts: { signal?: AbortSignal } = {},
  ): Promise<ExecOutcome> {
    const script = scriptOf(cfg);
    this.need(`exec ${script}`);
    const c = this.container(container);
    if (!c.running) throw new EngineFailure('container-missing', `container ${container} is not running`);
    this.executed.push(script);
    this.onExec?.(script);
    const b = this.behaviours.get(script) ?? { kind: 'exit', code: 0 };
    const launcher = cfg.cmd[0] === '/bin/sh' && cfg.cmd.includes('airlock-launcher');
    // Under the copy-out launcher the stdout ends with an (empty) archive and its trailer.
    const trailer = () => {
      if (launcher) sinks.stdout(Buffer.from(`${COPY_OUT_TAG} 0 0\n`));
    };
    switch (b.kind) {
      case 'exit':
        if (b.stdout) sinks.stdout(Buffer.from(b.stdout));
        if (b.stderr) sinks.stderr(Buffer.from(b.stderr));
        trailer();
        return { exitCode: b.code };
      case 'oom':
        c.running = false;
        c.oomKilled = true;
        return { exitCode: 137 };
      case 'engine-gone':
        this.goAway();
        throw new EngineFailure('engine-gone', 'the connection to the fake engine dropped');
      case 'hang':
        return new Promise<ExecOutcome>((_resolve, reject) => {
          if (opts.signal?.aborted) return reject(abortError());
          opts.signal?.addEventListener('abort', () => reject(abortError()), { once: true });
          // Removing the container ends its exec; the engine reports no status for it.
          c.onRemove.push(() =>
            reject(new EngineFailure('container-missing', `container ${container} was removed`)),
          );
        });
      case 'custom':
        return b.run({ engine: this, container, script, sinks, signal: opts.signal });
    }
  }

  async copyOut(container: string): Promise<CopyOut> {
    this.need(`copyOut ${container}`);
    return { data: Buffer.alloc(0), truncated: false, exitCode: 0, stderr: '' };
  }

  async wait(container: string): Promise<void> {
    this.need(`wait ${container}`);
  }

  async kill(container: string): Promise<void> {
    this.need(`kill ${container}`);
    const c = this.containers.get(container);
    if (c) c.running = false;
  }

  async remove(container: string): Promise<boolean> {
    this.calls.push(`remove ${container}`);
    if (!this.up) return false;
    const c = this.containers.get(container);
    this.containers.delete(container);
    const i = this.preexisting.findIndex((p) => p.name === container);
    if (i >= 0) this.preexisting.splice(i, 1);
    for (const end of c?.onRemove ?? []) end();
    return true;
  }

  async inspect(container: string): Promise<ContainerState | null> {
    this.need(`inspect ${container}`);
    const c = this.containers.get(container);
    return c ? { running: c.running, oomKilled: c.oomKilled } : null;
  }

  async imageId(ref: string): Promise<string | null> {
    this.need(`imageId ${ref}`);
    return this.images.get(ref) ?? null;
  }

  async listContainers(label: string): Promise<ContainerSummary[]> {
    this.need(`listContainers ${label}`);
    const made = [...this.containers.values()].map((c) => ({ name: c.spec.name, labels: c.spec.labels }));
    return [...this.preexisting, ...made].filter((c) => label in c.labels);
  }
}

/**
 * A stand-in for Bandit run through the hardened runner (the scan stage's `runner`): its
 * probe answers `bandit 1.9.4`; a scan reads the staged files from the spec's work
 * directory and reports B307 (eval) for each `eval(` and B603 (subprocess) for each
 * `subprocess.run(`, in Bandit's JSON shape. `fail` makes every scan crash instead.
 */
export class FakeBandit {
  readonly runs: HardenedRunSpec[] = [];
  fail: 'crash' | undefined;
  /** `log`: where each run is also noted (`scan bandit ...`), e.g. the engine's `calls`, to see the order. */
  constructor(private readonly log?: string[]) {}

  readonly runner = async (spec: HardenedRunSpec): Promise<ExecutionResult> => {
    this.runs.push(spec);
    this.log?.push(`scan ${spec.command.join(' ')}`);
    const ok = (stdout: string, exitCode: number): ExecutionResult => ({
      ...notStartedResult(spec, ''),
      status: exitCode === 0 ? 'success' : 'failure',
      exitCode,
      stdout,
      reason: undefined,
    });
    if (spec.command[0] !== 'bandit')
      throw new Error(`the fake scanner runs bandit only: ${spec.command[0]}`);
    if (spec.command.includes('--version')) return ok('bandit 1.9.4\n', 0);
    if (this.fail === 'crash') return { ...ok('', 2), stderr: 'Traceback: bandit crashed\n' };
    const files = spec.command.slice(spec.command.indexOf('--') + 1);
    const results: unknown[] = [];
    const metrics: Record<string, unknown> = { _totals: {} };
    for (const f of files) {
      metrics[f] = {};
      const lines = (await readFile(join(spec.workDir, f), 'utf8')).split('\n');
      lines.forEach((line, i) => {
        const hit = line.includes('eval(')
          ? { test_id: 'B307', test_name: 'blacklist', issue_severity: 'MEDIUM', issue_text: 'eval' }
          : line.includes('subprocess.run(')
            ? {
                test_id: 'B603',
                test_name: 'subprocess_without_shell_equals_true',
                issue_severity: 'LOW',
                issue_text: 'subprocess',
              }
            : undefined;
        if (hit) results.push({ ...hit, filename: f, issue_confidence: 'HIGH', line_number: i + 1 });
      });
    }
    return ok(JSON.stringify({ errors: [], results, metrics }), results.length ? 1 : 0);
  };
}
