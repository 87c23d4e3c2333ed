import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tryRunCommand } from '../../src/exec/run-command.js';

/**
 * The entries of a zip as another implementation reads them (Python's zipfile, which
 * checks each entry's CRC while reading): name → { sha256, bytes }. Directory entries
 * are listed with a trailing `/` and no hash.
 */
const LIST = `
import hashlib, json, sys, zipfile
out = {}
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        if i.is_dir():
            out[i.filename] = None
        else:
            data = z.read(i)
            out[i.filename] = {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
print(json.dumps(out))
`;

export async function zipEntries(
  zip: Buffer,
  scratch: string,
): Promise<Record<string, { sha256: string; bytes: number } | null>> {
  const file = join(scratch, `listing-${process.pid}-${Date.now()}.zip`);
  await writeFile(file, zip);
  const r = await tryRunCommand('python3', ['-c', LIST, file], { timeoutMs: 60_000 });
  if (r.exitCode !== 0) throw new Error(`python3 zipfile could not read the zip: ${r.stderr}`);
  return JSON.parse(r.stdout);
}
