import { resolve } from 'node:path';
import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * Real Podman for the tests of the Podman engine: rootful (scripts/setup.sh starts it)
 * and a rootless one started here. No skip when Podman is missing: a test of an engine
 * that is not there fails, as it would for a user.
 */
const REPO = resolve(import.meta.dirname, '../..');

/** Podman's CLI as root, never through DOCKER_HOST or CONTAINER_HOST (a test may have set them). */
export function podman(args: string[], input?: string | Buffer) {
  return tryRunCommand('podman', args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root', LANG: 'C.UTF-8' },
    timeoutMs: 300_000,
    ...(input === undefined ? {} : { input }),
  });
}

/** Copies `ref` from Docker's store into rootful Podman's, unless Podman has the same image id. */
export async function ensurePodmanImage(ref: string): Promise<void> {
  const want = await tryRunCommand('docker', ['image', 'inspect', '--format', '{{.Id}}', ref], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root' },
  });
  if (want.exitCode !== 0) throw new Error(`docker has no ${ref}: ${want.stderr}`);
  const have = await podman(['image', 'inspect', '--format', '{{.Id}}', ref]);
  if (have.exitCode === 0 && `sha256:${have.stdout.trim()}` === want.stdout.trim()) return;
  const r = await tryRunCommand('bash', ['-c', 'docker save -- "$1" | podman load -q', 'load', ref], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root' },
    timeoutMs: 600_000,
  });
  if (r.exitCode !== 0) throw new Error(`podman load of ${ref} failed: ${r.stderr}`);
}

/** Starts (or finds) a rootless Podman service of an ordinary user; its socket path. */
export async function rootlessPodmanSocket(): Promise<string> {
  const r = await tryRunCommand('bash', [resolve(REPO, 'scripts/podman-rootless-service.sh')], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME ?? '/root' },
    timeoutMs: 120_000,
  });
  if (r.exitCode !== 0) throw new Error(`rootless podman service: ${r.stderr}`);
  return r.stdout.trim();
}
