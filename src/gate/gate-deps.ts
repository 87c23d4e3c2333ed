import type { ContainerEngine } from '../sandbox/container-engine.js';
import type { HardenedRunner } from '../scan/types.js';

/** What the gate pipeline (pipeline.ts `runGate`) is given besides its settings. */
export interface GateDeps {
  progress: (line: string) => void;
  env: NodeJS.ProcessEnv;
  /** Where the Markdown summary link base points (GitHub blob URL), if known. */
  blobBase?: string;
  /**
   * Cancellation (src/gate/cancel.ts): once aborted nothing new starts, in-flight runs
   * end `cancelled`, and the partial report, summary and audit entry are still written.
   */
  signal?: AbortSignal;
  /**
   * Where telemetry.* event lines go when the caller asked for them (CLI --telemetry);
   * omitted: telemetry's own default (stderr only when asked via env, src/telemetry/sink.ts).
   */
  telemetryLog?: (line: string) => void;
  /**
   * The container engine of the whole run: asked whether it is up and has the image,
   * swept of orphans, and running the scanners and scripts. Given: the caller chose it
   * (unit tests: a fake, test/helpers/fake-engine.ts), so the engine selection and its
   * limits check (src/sandbox/engine-limits-check.ts) are skipped. Absent: selected from
   * --engine/the policy/auto-detection, its limits checked, then the engine DOCKER_HOST
   * names (src/sandbox/docker-engine.ts `defaultEngine`; Podman's socket when chosen).
   */
  engine?: ContainerEngine;
  /** How the scanners run; absent: each in a hardened container on `engine` (runHardened). */
  scanRunner?: HardenedRunner;
}

export interface StageTimings {
  discoverMs: number;
  scanMs: number;
  assessMs: number;
  executeMs: number;
  recordMs: number;
}
