import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { storedZip } from './zip-builder.js';

/**
 * A PEP 503 "simple" index holding one pure-Python wheel, written to `dir` for the
 * egress upstream to serve (test/helpers/egress-upstream.ts, under `/pypi/`): the
 * wheel is built here from its parts (METADATA, WHEEL, RECORD with each file's hash),
 * so the install-phase test needs no network and no build tool.
 */
export interface BuiltWheel {
  /** Distribution name as pip normalizes it, e.g. `airlock-demo`. */
  name: string;
  version: string;
  file: string;
  sha256: string;
}

const b64 = (data: Buffer) => createHash('sha256').update(data).digest('base64url');

export function writeWheelIndex(
  dir: string,
  pkg: { name: string; version: string; module: string; source: string },
): BuiltWheel {
  const dist = `${pkg.module}-${pkg.version}`;
  const files: { name: string; data: Buffer }[] = [
    { name: `${pkg.module}/__init__.py`, data: Buffer.from(pkg.source) },
    {
      name: `${dist}.dist-info/METADATA`,
      data: Buffer.from(`Metadata-Version: 2.1\nName: ${pkg.name}\nVersion: ${pkg.version}\n`),
    },
    {
      name: `${dist}.dist-info/WHEEL`,
      data: Buffer.from(
        'Wheel-Version: 1.0\nGenerator: airlock-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n',
      ),
    },
  ];
  const record = [
    ...files.map((f) => `${f.name},sha256=${b64(f.data)},${f.data.length}`),
    `${dist}.dist-info/RECORD,,`,
  ];
  files.push({ name: `${dist}.dist-info/RECORD`, data: Buffer.from(`${record.join('\n')}\n`) });
  const wheel = storedZip(files);
  const file = `${dist}-py3-none-any.whl`;
  const sha256 = createHash('sha256').update(wheel).digest('hex');
  mkdirSync(join(dir, 'packages'), { recursive: true });
  mkdirSync(join(dir, 'simple', pkg.name), { recursive: true });
  writeFileSync(join(dir, 'packages', file), wheel);
  writeFileSync(
    join(dir, 'simple', 'index.html'),
    `<!DOCTYPE html><html><body><a href="${pkg.name}/">${pkg.name}</a></body></html>\n`,
  );
  writeFileSync(
    join(dir, 'simple', pkg.name, 'index.html'),
    `<!DOCTYPE html><html><body><a href="../../packages/${file}#sha256=${sha256}">${file}</a></body></html>\n`,
  );
  return { name: pkg.name, version: pkg.version, file, sha256 };
}
