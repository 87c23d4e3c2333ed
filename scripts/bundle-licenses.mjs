// The licence notices of every package in an ncc bundle, from the bundle's webpack stats
// (ncc --stats-out). ncc's own --license option lists only some of them (one package for
// our ESM bundles), so we collect them here: each npm package whose files webpack put into
// the bundle, with its declared licence and its licence file's text, sorted by name:
//   ==== <name>@<version> (<licence>) ====
//   <licence text>
// (one header line per package, so a reader or a test can list them; licence texts
// have blank lines of their own.)
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const LICENSE_FILE = /^(licen[cs]e|copying)(\.(md|txt|markdown))?$/i;

/** Package root directories (…/node_modules/<name> or …/node_modules/@scope/<name>) of every bundled module. */
export function bundledPackageRoots(stats) {
  const roots = new Set();
  const visit = (modules) => {
    for (const m of modules ?? []) {
      for (const part of String(m.nameForCondition ?? m.identifier ?? '').split(/[!|]/)) {
        const at = part.lastIndexOf('/node_modules/');
        if (at < 0) continue;
        const rest = part.slice(at + '/node_modules/'.length).split('/');
        const name = rest[0]?.startsWith('@') ? rest.slice(0, 2).join('/') : rest[0];
        if (name) roots.add(join(part.slice(0, at), 'node_modules', name));
      }
      visit(m.modules);
    }
  };
  visit(stats.modules);
  for (const c of stats.children ?? []) visit(c.modules);
  return [...roots];
}

/**
 * Packages published without licence metadata or file, whose licence their source
 * repository states. Kept by exact version: a new version must be checked again.
 * - buffers@0.1.1 (via @actions/artifact > unzip-stream > binary): MIT, per the LICENSE
 *   file github.com/substack/node-buffers added after 0.1.1 was published (GitHub's own
 *   actions/upload-artifact ships this same package).
 */
const PUBLISHED_WITHOUT_LICENSE = new Map([
  [
    'buffers@0.1.1',
    {
      license: 'MIT',
      text: [
        '(The MIT License)',
        '',
        'Copyright (c) 2010 James Halliday (mail@substack.net)',
        '',
        'Permission is hereby granted, free of charge, to any person obtaining',
        'a copy of this software and associated documentation files (the',
        '"Software"), to deal in the Software without restriction, including',
        'without limitation the rights to use, copy, modify, merge, publish,',
        'distribute, sublicense, and/or sell copies of the Software, and to',
        'permit persons to whom the Software is furnished to do so, subject to',
        'the following conditions:',
        '',
        'The above copyright notice and this permission notice shall be',
        'included in all copies or substantial portions of the Software.',
        '',
        'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND,',
        'EXPRESS OR IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF',
        'MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND',
        'NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE',
        'LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION',
        'OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION',
        'WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.',
      ].join('\n'),
    },
  ],
]);

function licenseOf(pkg) {
  if (typeof pkg.license === 'string') return pkg.license;
  if (pkg.license?.type) return pkg.license.type;
  if (Array.isArray(pkg.licenses)) return pkg.licenses.map((l) => l.type ?? l).join(' OR ');
  return 'UNKNOWN';
}

/** The licences text for the bundle whose stats JSON is at `statsPath`. */
export function bundleLicenses(statsPath) {
  const stats = JSON.parse(readFileSync(statsPath, 'utf8'));
  const entries = new Map();
  for (const root of bundledPackageRoots(stats)) {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    const file = readdirSync(root).find((n) => LICENSE_FILE.test(n));
    const text = file ? readFileSync(join(root, file), 'utf8').trim() : '(the package ships no licence file)';
    const key = `${pkg.name}@${pkg.version}`;
    const known = !file && licenseOf(pkg) === 'UNKNOWN' ? PUBLISHED_WITHOUT_LICENSE.get(key) : undefined;
    const line = known
      ? `==== ${key} (${known.license}) ====\n${known.text}\n(licence from the package's source repository; the npm package ships none)\n`
      : `==== ${key} (${licenseOf(pkg)}) ====\n${text}\n`;
    if (!entries.has(key)) entries.set(key, line);
  }
  return [...entries.keys()]
    .sort()
    .map((k) => entries.get(k))
    .join('\n');
}
