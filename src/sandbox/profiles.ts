import type { SandboxConfig, SandboxLimits } from './types.js';

/**
 * Default resource limits per trust level (the open question). The policy maps
 * `low` -> `standard` and `high` -> `restricted`; `blocked` never runs.
 *
 * Conservative on purpose: a generated analysis script reads a CSV and draws a few
 * plots. Every number is a ceiling the script hits only when something is wrong.
 *
 * One thing to know when tuning: on Linux a tmpfs page is charged to the container's
 * memory cgroup, so every byte written to /tmp, /var/tmp, /run, /dev/shm or the output
 * directory counts against `memoryMb`. Keep (3 x tmpfsMb + shm + outputMb) well below
 * memoryMb, or a disk fill turns into an OOM kill instead of a clean ENOSPC.
 */
export const DEFAULT_PROFILES: Record<'standard' | 'restricted', SandboxLimits> = {
  // Low-risk code (no scanner finding above the policy's threshold).
  standard: {
    // CI jobs have a 6 h ceiling; a stuck script must not eat it. 10 minutes covers
    // pandas over a few hundred MB and a Mermaid render (Chromium starts in ~3 s).
    timeoutSeconds: 600,
    // Chromium (Mermaid) needs ~0.5-1 GiB; two parallel runs on a 7 GiB runner
    // (GitHub's ubuntu-latest) still leave the runner room.
    memoryMb: 1024,
    // Half of a 2-core runner, so two scripts in parallel cannot starve the runner.
    cpus: 1,
    // Counts threads too: Chromium plus a BLAS thread pool use ~100; a fork bomb stops here.
    pids: 256,
    // Scratch for matplotlib's font cache, Chromium's profile, temp files.
    tmpfsMb: 128,
    // Plots and CSVs of an analysis; a disk-fill stops here with ENOSPC.
    outputMb: 128,
    // Python + Chromium open a few hundred fds; the usual soft default is 1024.
    nofile: 1024,
    // Largest single file: equal to the output cap, so no single write can exceed it.
    fsizeMb: 128,
    // Enough for a long traceback and printed tables; beyond is counted and hashed, not kept.
    maxOutputBytes: 1024 * 1024,
    maxArtifacts: 200,
  },
  // Higher-risk code (findings the policy maps to `high`): it may run, but with less
  // of everything so that whatever it attempts is smaller and shorter.
  restricted: {
    timeoutSeconds: 120,
    memoryMb: 512,
    cpus: 0.5,
    pids: 64,
    tmpfsMb: 32,
    outputMb: 32,
    nofile: 256,
    fsizeMb: 32,
    maxOutputBytes: 256 * 1024,
    maxArtifacts: 50,
  },
};

export type ProfileName = keyof typeof DEFAULT_PROFILES;

/** Label key every Airlock container carries; `sweepOrphans` looks for it. */
export const DEFAULT_CONTAINER_LABEL = 'org.airlock.sandbox';

/** The sandbox image `airlock image build` produces by default. */
export const DEFAULT_SANDBOX_IMAGE = 'airlock-sandbox:local';

export const DEFAULT_SANDBOX_CONFIG: SandboxConfig = {
  image: DEFAULT_SANDBOX_IMAGE,
  runtime: 'runc',
  // The image's `sandbox` user (images/Dockerfile); numeric so the image's passwd
  // cannot map a name to uid 0.
  user: '10001:10001',
  parallelism: 0,
  label: DEFAULT_CONTAINER_LABEL,
};
