import type { PreludeSpec } from './prelude.js';

/**
 * What the hardened runner needs to know: the resource limits of one profile. The
 * policy names these (per trust level, with defaults); the runner turns them into
 * `docker run` flags. Units are in the names so a YAML reader cannot confuse them.
 */
export interface SandboxLimits {
  /** Wall-clock limit; the container is killed and removed after it. */
  timeoutSeconds: number;
  /** --memory and --memory-swap (equal: no swap). */
  memoryMb: number;
  /** --cpus */
  cpus: number;
  /** --pids-limit: bounds fork bombs. */
  pids: number;
  /** size of each tmpfs (/tmp, /var/tmp, /run, HOME). */
  tmpfsMb: number;
  /** size cap of the output directory (a size-limited tmpfs, copied out after the run). */
  outputMb: number;
  /** ulimit nofile (soft=hard). */
  nofile: number;
  /** ulimit fsize in MiB: largest single file the script may write. */
  fsizeMb: number;
  /** bytes of stdout and of stderr kept; the rest is counted and dropped. */
  maxOutputBytes: number;
  /** most artifacts copied out of the output directory. */
  maxArtifacts: number;
}

export type SandboxRuntime = 'runc' | 'runsc';

export interface SandboxConfig {
  image: string;
  runtime: SandboxRuntime;
  /** uid:gid inside the container; never 0. */
  user: string;
  /** Concurrent containers; 0 = number of CPU cores. */
  parallelism: number;
  /** Label put on every container so orphans can be found (`docker ps -a --filter label=...`). */
  label: string;
}

/**
 * One hardened container run. The runner (src/sandbox/run-hardened.ts) turns this into a
 * `docker run` argv with every hardening flag, runs it with a wall-clock timeout,
 * caps the output, classifies the outcome and always removes the container.
 * Scanners use the same entry point as scripts: they read hostile code too.
 */
export interface HardenedRunSpec {
  sandbox: SandboxConfig;
  limits: SandboxLimits;
  /** Profile name, recorded in results. */
  profile: string;
  /** Host directory mounted read-only as the working directory (/work). */
  workDir: string;
  /** argv inside the container, e.g. ['python3', 'script.py']. Never a shell string. */
  command: string[];
  /** Extra environment inside the container. Nothing of the runner's is passed implicitly. */
  env?: Record<string, string>;
  /** Host directory that receives the artifacts the run wrote to $AIRLOCK_OUTPUT_DIR; omit for none. */
  collectOutputTo?: string;
  /** Extra read-only mounts (host path -> container path), e.g. policy rule files for scanners. */
  readOnlyMounts?: { host: string; container: string }[];
  /**
   * The policy's data inputs (src/gate/data-layout.ts): `host` is mounted read-only as
   * /work and `workDir` on top of it at /work/<scriptDir>, the working directory, so data
   * sits at the same relative path from the script as in the repository. Absent: the
   * script's folder is /work.
   */
  data?: DataMountSpec;
  /** Human label for logs and container names, e.g. the script's relative path. */
  label?: string;
  /** A first command in the same container before `command` (the egress install phase): prelude.ts. */
  prelude?: PreludeSpec;
}

export interface DataMountSpec {
  /** Host folder mirroring the workspace: the data files and the script folders' mount points. */
  host: string;
  /** The script's folder, workspace-relative with forward slashes, never '.'. */
  scriptDir: string;
}
