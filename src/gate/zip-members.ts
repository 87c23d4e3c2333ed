import type { FileHandle } from 'node:fs/promises';

/**
 * Python imports from a zip archive put on `sys.path` (zipimport), and finds the
 * archive by its end-of-central-directory record at the END of the file: any name,
 * any bytes in front. A data file that is such an archive with Python or native
 * members is code no scanner read, one `sys.path.insert` away from running.
 *
 * This reads only the archive's central directory (names), bounded, never inflating
 * anything. Returns the member names, or a reason it cannot tell (treated as refusal).
 */

const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const EOCD_MIN = 22;
/** The EOCD ends with a comment of at most 65535 bytes. */
const EOCD_SEARCH = EOCD_MIN + 0xffff;
/** Central directories above this are not read (an analysis data zip lists far less). */
const MAX_CENTRAL_DIRECTORY = 16 * 1024 * 1024;

export type ZipListing = { zip: false } | { zip: true; names: string[] } | { zip: true; unreadable: string };

export async function zipMembers(fh: FileHandle, size: number): Promise<ZipListing> {
  if (size < EOCD_MIN) return { zip: false };
  const tailLen = Math.min(size, EOCD_SEARCH);
  const tail = Buffer.alloc(tailLen);
  await fh.read(tail, 0, tailLen, size - tailLen);
  let at = -1;
  for (let i = tailLen - EOCD_MIN; i >= 0; i--) {
    if (tail.readUInt32LE(i) === EOCD_SIG) {
      at = i;
      break;
    }
  }
  if (at < 0) return { zip: false };
  const entries = tail.readUInt16LE(at + 10);
  const cdSize = tail.readUInt32LE(at + 12);
  const cdOffset = tail.readUInt32LE(at + 16);
  if (entries === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff)
    return { zip: true, unreadable: 'a ZIP64 archive' };
  if (cdSize > MAX_CENTRAL_DIRECTORY)
    return { zip: true, unreadable: 'a zip whose directory is too large to inspect' };
  // Like zipimport, locate the directory just before the EOCD: data prepended to the
  // archive (a "polyglot") shifts the recorded offset but not this.
  const cdStart = size - tailLen + at - cdSize;
  if (cdStart < 0) return { zip: true, unreadable: 'a zip whose directory lies outside the file' };
  const cd = Buffer.alloc(cdSize);
  await fh.read(cd, 0, cdSize, cdStart);
  const names: string[] = [];
  let p = 0;
  while (p + 46 <= cd.length && cd.readUInt32LE(p) === CEN_SIG) {
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    names.push(cd.subarray(p + 46, p + 46 + nameLen).toString('latin1'));
    p += 46 + nameLen + extraLen + commentLen;
  }
  if (names.length < entries) return { zip: true, unreadable: 'a zip whose directory does not parse' };
  return { zip: true, names };
}

/** Members zipimport (or a loader) would run: Python source, bytecode, native code, `.pth`. */
export function executableMembers(names: string[]): string[] {
  return names.filter((n) => /\.(py|pyc|pyo|pyw|pth|so(\.\d+)*|pyd|dylib|dll)$/i.test(n));
}
