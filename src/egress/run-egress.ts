import type { Policy } from '../policy/load.js';
import type { ExecutionResult, InstallResult, TrustLevel } from '../report/types.js';
import type { PreludeSpec } from '../sandbox/prelude.js';
import type { HardenedRunSpec } from '../sandbox/types.js';
import { startEgressSession } from './egress-session.js';
import {
  INSTALL_MAX_OUTPUT,
  INSTALL_TARGET,
  installCommand,
  installOutcome,
  type LoadedInstall,
  loadInstall,
} from './install-phase.js';
import { type EffectiveEgress, installFor } from './policy-egress.js';

/**
 * The egress of one script's run, as the execute stage uses it: what the run's spec
 * gains (the bridge around the command, the proxy variables, the session's mount, and
 * with an install phase the prelude and PYTHONPATH), and what its result gains when it
 * ends (every request, tagged by phase, and the install phase's result).
 */
export interface RunEgress {
  spec: Pick<HardenedRunSpec, 'command' | 'env' | 'readOnlyMounts' | 'prelude'>;
  /** Stops the proxy (idempotent); the records and the install result for the run's result. */
  finish(): Promise<Pick<ExecutionResult, 'egress' | 'install'>>;
}

/**
 * The install phases of the levels that will run, each read from the workspace and
 * checked once per gate run, before any container: a requirements file that is not
 * pinned and hashed line by line stops the gate (INSTALL_REQUIREMENTS_INVALID, exit 2).
 */
export async function loadInstalls(
  policy: Policy,
  levels: Iterable<TrustLevel>,
  workspace: string,
): Promise<Map<TrustLevel, LoadedInstall>> {
  const out = new Map<TrustLevel, LoadedInstall>();
  for (const level of new Set(levels)) {
    const settings = installFor(policy, level);
    const profile = level === 'blocked' ? undefined : policy.execute[level].profile;
    if (!settings || profile === undefined) continue;
    out.set(level, await loadInstall(workspace, settings, { policy: policy.source.path, profile }));
  }
  return out;
}

export async function startRunEgress(
  egress: EffectiveEgress,
  install: LoadedInstall | undefined,
  command: string[],
): Promise<RunEgress> {
  const session = await startEgressSession(egress, { files: install?.files });
  let installResult: InstallResult | undefined;
  const prelude: PreludeSpec | undefined = install && {
    command: session.wrap(installCommand(install)),
    timeoutSeconds: install.settings.timeoutSeconds,
    maxOutputBytes: INSTALL_MAX_OUTPUT,
    async after(outcome) {
      // First of all: the install phase's egress ends before the script can start.
      await session.endInstallPhase();
      const o = installOutcome(install, outcome);
      installResult = o.result;
      return o.verdict;
    },
  };
  return {
    spec: {
      command: session.wrap(command),
      env: install ? { ...session.env, PYTHONPATH: INSTALL_TARGET } : session.env,
      readOnlyMounts: [session.mount],
      ...(prelude ? { prelude } : {}),
    },
    async finish() {
      const records = await session.finish();
      return { egress: records, ...(installResult ? { install: installResult } : {}) };
    },
  };
}
