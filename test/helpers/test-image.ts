import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * A small real image for integration tests that do not need the full sandbox image
 * (plots, Chromium): Debian's python3 and Bandit, and the same non-root `sandbox`
 * user (uid 10001) as images/Dockerfile. Built once from the local base image.
 */
export const TEST_IMAGE = 'airlock-test-python:local';

const DOCKERFILE = `FROM debian:bookworm-slim
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends python3 bandit procps \\
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* \\
 && useradd --uid 10001 --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin sandbox
USER 10001:10001
`;

let ready: Promise<string> | undefined;

export function ensureTestImage(): Promise<string> {
  ready ??= (async () => {
    const have = await tryRunCommand('docker', ['image', 'inspect', TEST_IMAGE]);
    if (have.exitCode === 0) return TEST_IMAGE;
    const r = await tryRunCommand('docker', ['build', '-q', '-t', TEST_IMAGE, '-'], {
      input: DOCKERFILE,
      timeoutMs: 600_000,
    });
    if (r.exitCode !== 0) throw new Error(`building ${TEST_IMAGE} failed: ${r.stderr.slice(-2000)}`);
    return TEST_IMAGE;
  })();
  return ready;
}
