import type { ContainerIds } from '../../src/sandbox/container-spec.js';
import { DEFAULT_PROFILES, DEFAULT_SANDBOX_CONFIG } from '../../src/sandbox/profiles.js';
import type { HardenedRunSpec } from '../../src/sandbox/types.js';

/** Fixed container ids for argv tests (no process or host is consulted). */
export const fixedIds: ContainerIds = {
  name: 'airlock-abcd1234-1-demo',
  runId: 'abcd1234',
  ownerPid: 4242,
  ownerStart: '987654',
  ownerHost: 'runner-1',
};

/** A standard-profile spec for argv tests; `over` replaces whole fields. */
export function hardenedSpec(over: Partial<HardenedRunSpec> = {}): HardenedRunSpec {
  return {
    sandbox: { ...DEFAULT_SANDBOX_CONFIG, image: 'airlock-sandbox:local' },
    limits: { ...DEFAULT_PROFILES.standard },
    profile: 'standard',
    workDir: '/ws/scripts',
    command: ['python3', 'plot.py'],
    ...over,
  };
}
