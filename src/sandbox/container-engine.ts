import type { ContainerSpec } from './container-spec.js';
import type { ExecConfig } from './exec-config.js';

/**
 * What the sandbox needs of a container engine, with typed outcomes: a caller branches
 * on `EngineFailure.kind`, never on an engine's (or a script's) text. Implemented over
 * Docker's Engine API socket (src/sandbox/docker-engine.ts), which Podman's
 * Docker-compatible service also speaks; unit tests of the pipeline use a fake.
 */

export type EngineFailureKind =
  /** The image is not in the engine: we never pull. */
  | 'image-missing'
  /** The spec names a runtime (runsc) the engine does not have. */
  | 'runtime-missing'
  /** The engine does not answer (stopped, socket gone, connection dropped). */
  | 'engine-gone'
  /** No such container (removed under us, or never made). */
  | 'container-missing'
  /** The engine could not start the exec'd command (it never ran: not the script's doing). */
  | 'exec-failed'
  /** Anything else the engine refused; `message` is the engine's words. */
  | 'refused';

export class EngineFailure extends Error {
  constructor(
    readonly kind: EngineFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'EngineFailure';
  }
}

export const isEngineFailure = (e: unknown, kind?: EngineFailureKind): e is EngineFailure =>
  e instanceof EngineFailure && (kind === undefined || e.kind === kind);

/** Where an exec's output goes, chunk by chunk, as the engine sends it. */
export interface ExecSinks {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

export interface ExecOutcome {
  /** The command's exit status; null when the engine did not report one. */
  exitCode: number | null;
}

export interface ContainerState {
  running: boolean;
  oomKilled: boolean;
}

export interface CopyOut {
  /** At most `cap` bytes of the archive. */
  data: Buffer;
  truncated: boolean;
  /** The copying command's status (null: abandoned at the cap or the timeout). */
  exitCode: number | null;
  /** Its last words, for a person (never classified). */
  stderr: string;
}

/** A container the engine lists: its name and labels (both as the engine stores them). */
export interface ContainerSummary {
  name: string;
  labels: Record<string, string>;
}

export interface ContainerEngine {
  /** Where the engine is, for messages a person acts on (e.g. unix:///var/run/docker.sock). */
  readonly endpoint: string;
  /** Whether the engine answers now. */
  ping(): Promise<boolean>;
  /** The OCI runtimes the engine has (runc, runsc, ...). */
  runtimes(): Promise<string[]>;
  /** Creates the container; resolves with its id. EngineFailure: image-missing, runtime-missing, engine-gone, refused. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  /**
   * Runs a command in the running container, streaming its output; resolves with its exit
   * status. `signal` stops reading (rejects with an AbortError); the process inside goes
   * on until the container is killed or removed. EngineFailure: exec-failed (the command
   * never started), container-missing, engine-gone, refused.
   */
  exec(
    container: string,
    cfg: ExecConfig,
    sinks: ExecSinks,
    opts?: { signal?: AbortSignal },
  ): Promise<ExecOutcome>;
  /** A bounded byte capture of one exec's stdout (the output archive): stops reading past `cap`. */
  copyOut(container: string, cfg: ExecConfig, cap: number, timeoutMs: number): Promise<CopyOut>;
  /** Resolves when the container has stopped. */
  wait(container: string, opts?: { signal?: AbortSignal }): Promise<void>;
  /** SIGKILLs every process of the container (the container stops). */
  kill(container: string): Promise<void>;
  /**
   * Asks the engine to remove it with force; true once it is gone (removed now, or
   * already), false when it is not: a removal already in progress, or no engine. Callers
   * go through `removeContainer` (containers.ts), which waits out the former and not the latter.
   */
  remove(container: string): Promise<boolean>;
  /** null when there is no such container. */
  inspect(container: string): Promise<ContainerState | null>;
  /** The local image's id, or null when the engine does not have it. */
  imageId(ref: string): Promise<string | null>;
  /** Every container, running or not, that carries the label `label` (any value). */
  listContainers(label: string): Promise<ContainerSummary[]>;
}
