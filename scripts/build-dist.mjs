#!/usr/bin/env node
// Builds the committed ncc bundles:
//   dist/action/index.js  the Action (action.yml: main: dist/index.js)
//   dist/cli/index.js     the CLI    (package.json bin, `node dist/cli.js`)
// ncc emits ESM here (package.json "type": "module"), which is what lets it bundle
// the ESM-only @actions/* majors; each bundle folder gets its own package.json
// {"type":"module"} so the bundle runs the same wherever it is copied.
//
// Usage: node scripts/build-dist.mjs [OUT_DIR]   (default: dist)
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

const out = resolve(process.argv[2] ?? 'dist');
const ncc = resolve('node_modules/.bin/ncc');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

for (const [entry, dir] of [
  ['src/action/index.ts', 'action'],
  ['src/cli/index.ts', 'cli'],
]) {
  execFileSync(
    ncc,
    ['build', entry, '-o', join(out, dir), '--quiet', '--license', 'licenses.txt', '--target', 'es2022'],
    {
      stdio: 'inherit',
    },
  );
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
