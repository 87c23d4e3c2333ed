import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GateSettings } from '../../src/settings/gate-settings.js';
import { HOSTILE_DIR } from './hostile-corpus.js';

/** The shipped default with Semgrep off: for gates on the small test image, which has none. */
export const BANDIT_ONLY_POLICY = fileURLToPath(
  new URL('../fixtures/policies/bandit-only.yml', import.meta.url),
);

/**
 * Gate settings for a throwaway workspace, the way the CLI would build them, with the
 * small test image (Debian python3 + Bandit 1.6.2) in place of the full sandbox image,
 * and so by default BANDIT_ONLY_POLICY (pass `policy: undefined` for the shipped default).
 */
export function hostileGateSettings(
  workspace: string,
  image: string,
  over: Partial<GateSettings> = {},
): GateSettings {
  const out = join(workspace, '.airlock', 'out');
  return {
    workspace,
    paths: ['.'],
    mode: 'gate',
    imageRef: image,
    outDir: out,
    reportFile: join(out, 'report.json'),
    sarifFile: join(out, 'airlock.sarif'),
    sarifCategory: 'airlock-hostile',
    run: {},
    policy: BANDIT_ONLY_POLICY,
    ...over,
  };
}

export interface TempWorkspace {
  dir: string;
  dispose(): Promise<void>;
}

export async function tempWorkspace(prefix: string): Promise<TempWorkspace> {
  const dir = await mkdtemp(join(tmpdir(), `airlock-${prefix}-`));
  await mkdir(dir, { recursive: true });
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** A workspace holding the runtime part of the corpus (resource/, escape/, evasion/), paths as in the manifest. */
export async function corpusWorkspace(): Promise<TempWorkspace> {
  const ws = await tempWorkspace('hostile-ws');
  for (const d of ['resource', 'escape', 'evasion'])
    await cp(join(HOSTILE_DIR, d), join(ws.dir, d), { recursive: true });
  return ws;
}
