#!/usr/bin/env node
// Builds the committed ncc bundles:
//   dist/action/index.js  the Action (action.yml: main: dist/index.js)
//   dist/cli/index.js     the CLI    (package.json bin, `node dist/cli.js`)
// ncc emits ESM here (package.json "type": "module"), which is what lets it bundle
// the ESM-only @actions/* majors; each bundle folder gets its own package.json
// {"type":"module"} so the bundle runs the same wherever it is copied.
//
// Each bundle's licenses.txt names every npm package in it (scripts/bundle-licenses.mjs,
// from webpack's stats; test/integration/project/licenses.test.ts checks it).
//
// Usage: node scripts/build-dist.mjs [OUT_DIR]   (default: dist)
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleLicenses } from './bundle-licenses.mjs';

const out = resolve(process.argv[2] ?? 'dist');
const ncc = resolve('node_modules/.bin/ncc');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const statsDir = mkdtempSync(join(tmpdir(), 'airlock-dist-stats-'));
try {
  for (const [entry, dir] of [
    ['src/action/index.ts', 'action'],
    ['src/cli/index.ts', 'cli'],
  ]) {
    const stats = join(statsDir, `${dir}.json`);
    execFileSync(
      ncc,
      ['build', entry, '-o', join(out, dir), '--quiet', '--target', 'es2022', '--stats-out', stats],
      {
        stdio: 'inherit',
      },
    );
    writeFileSync(join(out, dir, 'licenses.txt'), bundleLicenses(stats));
  }
} finally {
  rmSync(statsDir, { recursive: true, force: true });
}
writeFileSync(join(out, 'package.json'), '{ "type": "module" }\n');
writeFileSync(
  join(out, 'index.js'),
  "// The Action's entry (action.yml). The bundle is in action/.\nimport './action/index.js';\n",
);
writeFileSync(
  join(out, 'cli.js'),
  "#!/usr/bin/env node\n// The CLI's entry (package.json bin). The bundle is in cli/.\nimport './cli/index.js';\n",
);
chmodSync(join(out, 'cli.js'), 0o755);
