// Child process for cleanup.test.ts: runs one long hardened script and waits to be
// signalled. argv: image label workDir
import { runHardened } from '../../../src/sandbox/run-hardened.js';
import { DEFAULT_PROFILES } from '../../../src/sandbox/profiles.js';

const [image, label, workDir] = process.argv.slice(2);
await runHardened({
  sandbox: { image: image!, runtime: 'runc', user: '10001:10001', parallelism: 1, label: label! },
  limits: { ...DEFAULT_PROFILES.restricted, timeoutSeconds: 300 },
  profile: 'restricted',
  workDir: workDir!,
  command: ['python3', 'script.py'],
});
process.stdout.write('finished without a signal\n');
