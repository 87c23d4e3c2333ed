import { egressFor } from '../egress/policy-egress.js';
import type { Policy } from '../policy/index.js';
import { sweepOrphans } from '../sandbox/containers.js';
import type { ContainerEngine } from '../sandbox/container-engine.js';
import { defaultEngine } from '../sandbox/docker-engine.js';
import { requireEngineUp } from '../sandbox/engine-ready.js';
import { prepareSandboxEngine } from '../sandbox/engine-limits-check.js';
import type { SandboxConfig } from '../sandbox/types.js';
import type { GateSettings } from '../settings/gate-settings.js';
import { ensureImageAvailable, resolveSandboxImage } from './image-stage.js';

/**
 * The engine and image a gate runs on, before anything is staged: the engine selected
 * (and its limits checked) unless the caller gave one, asked whether it is up, swept of
 * the containers an Airlock SIGKILLed on this host left, and the sandbox image resolved
 * (pulled, built or found). `sandbox.image` becomes the resolved ref: what the scanners
 * and scripts run in and what the report names.
 */
export async function prepareEngineAndImage(opts: {
  settings: GateSettings;
  policy: Policy;
  sandbox: SandboxConfig;
  given?: ContainerEngine;
  env: NodeJS.ProcessEnv;
  progress: (line: string) => void;
  notices: string[];
}): Promise<{ engine: ContainerEngine; image: { ref: string; id: string } }> {
  const { settings, policy, sandbox } = opts;
  if (!opts.given) {
    // The levels whose scripts run with egress: under runsc they need the proxy's socket.
    const egressLevels = (['low', 'high'] as const).filter((l) => egressFor(policy, l) !== null);
    await prepareSandboxEngine(
      settings.engine ?? policy.sandbox.engine,
      sandbox.runtime,
      opts.progress,
      opts.env,
      egressLevels,
    );
  }
  // After the selection: for Podman it points DOCKER_HOST at Podman's socket.
  const engine = opts.given ?? defaultEngine();
  await requireEngineUp(engine);
  const swept = await sweepOrphans(sandbox.label, engine);
  if (swept.length)
    opts.notices.push(`removed ${swept.length} orphaned sandbox container(s) of an earlier run`);
  const image = settings.imageChoice
    ? await resolveSandboxImage(settings.imageChoice, {
        policyImage: sandbox.image,
        flavor: policy.sandbox.flavor,
        env: opts.env,
        progress: opts.progress,
        engine,
      })
    : await ensureImageAvailable(sandbox.image, opts.progress, engine);
  sandbox.image = image.ref;
  return { engine, image };
}
