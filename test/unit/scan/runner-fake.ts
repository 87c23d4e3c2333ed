import type { ExecutionResult } from '../../../src/report/types.js';
import type { HardenedRunSpec } from '../../../src/sandbox/types.js';

/**
 * A recording stand-in for src/sandbox/run-hardened.ts, used only where a real run
 * cannot produce the case under test (a crash, a flood, garbage on stdout, Semgrep
 * which is not installable here). The real runner is used by the integration tests.
 */
export function fakeRunner(respond: (spec: HardenedRunSpec) => Partial<ExecutionResult>) {
  const calls: HardenedRunSpec[] = [];
  const run = async (spec: HardenedRunSpec): Promise<ExecutionResult> => {
    calls.push(spec);
    return {
      status: 'success',
      exitCode: 0,
      durationMs: 1,
      peakMemoryBytes: null,
      stdout: '',
      stderr: '',
      stdoutTruncated: false,
      stderrTruncated: false,
      stdoutBytes: 0,
      stderrBytes: 0,
      stdoutSha256: '',
      stderrSha256: '',
      artifacts: [],
      artifactsTruncated: false,
      runtime: 'runc',
      profile: spec.profile,
      containerName: 'fake',
      ...respond(spec),
    };
  };
  return { run, calls };
}

export const SANDBOX = {
  image: 'img:local',
  runtime: 'runc',
  user: '10001:10001',
  parallelism: 1,
  label: 'airlock',
} as const;
export const LIMITS = {
  timeoutSeconds: 60,
  memoryMb: 512,
  cpus: 1,
  pids: 64,
  tmpfsMb: 64,
  outputMb: 64,
  nofile: 128,
  fsizeMb: 32,
  maxOutputBytes: 1024,
  maxArtifacts: 10,
};
