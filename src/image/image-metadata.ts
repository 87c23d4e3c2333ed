import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runGit } from '../exec/git.js';
import { UserError } from '../errors.js';

/**
 * Where images/ is: found by walking up from this module, which works for the
 * sources (src/image/ → ../../images) and the ncc bundle (dist/ → ../images).
 */
export function findImagesDir(from: string = path.dirname(fileURLToPath(import.meta.url))): string {
  let dir = from;
  for (;;) {
    const candidate = path.join(dir, 'images');
    if (existsSync(path.join(candidate, 'Dockerfile'))) return candidate;
    const up = path.dirname(dir);
    if (up === dir) {
      throw new UserError('IMAGE_BUILD_FAILED', `images/Dockerfile not found above ${from}`);
    }
    dir = up;
  }
}

/**
 * A repository URL fit for a public label: credentials removed (a remote like
 * https://x-access-token:TOKEN@github.com/o/r would otherwise ship in every image),
 * scp-style `git@host:o/r.git` turned into https, `.git` dropped.
 */
export function publicSourceUrl(remote: string): string | undefined {
  const trimmed = remote.trim();
  const scp = /^[\w.-]+@([\w.-]+):(?!\/)(.+)$/.exec(trimmed);
  let url: URL;
  try {
    url = new URL(scp ? `https://${scp[1]}/${scp[2]}` : trimmed);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:' && url.protocol !== 'ssh:') return undefined;
  return `https://${url.host}${url.pathname.replace(/\.git$/, '').replace(/\/$/, '')}`;
}

async function git(repoDir: string, args: string[]): Promise<string | undefined> {
  const r = await runGit(repoDir, args, { timeoutMs: 10_000 }).catch(() => undefined);
  return r?.exitCode === 0 ? r.stdout.trim() || undefined : undefined;
}

/** OCI source and revision: GitHub's own variables in Actions, else the git checkout, else "unknown". */
export async function sourceAndRevision(
  repoDir: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ source: string; revision: string }> {
  const fromActions =
    env.GITHUB_SERVER_URL && env.GITHUB_REPOSITORY
      ? publicSourceUrl(`${env.GITHUB_SERVER_URL}/${env.GITHUB_REPOSITORY}`)
      : undefined;
  const remote = fromActions ? undefined : await git(repoDir, ['remote', 'get-url', 'origin']);
  const source = fromActions ?? (remote ? publicSourceUrl(remote) : undefined) ?? 'unknown';
  const revision = env.GITHUB_SHA || (await git(repoDir, ['rev-parse', 'HEAD'])) || 'unknown';
  return { source, revision };
}
