/**
 * What the stage refuses to copy: files Python (or the dynamic loader) would run
 * without any scanned source saying so. The scanners read Python source only; each
 * entry below is a way to execute code that source-level scanning never sees.
 *
 * - `__pycache__/` and `*.pyc`/`*.pyo`: the import system prefers a cached `.pyc` over
 *   the scanned `.py` (an "unchecked-hash" pyc is never compared with its source, and
 *   copying resets the mtime a timestamp pyc is checked against), and imports a
 *   sourceless `name.pyc` beside the script directly.
 * - `*.pth`: `site` executes its `import` lines when the folder is a site directory.
 * - `sitecustomize.py`/`usercustomize.py`: `site` imports them at interpreter start-up
 *   from anywhere on `sys.path`, before the script's first line.
 * - native code (`*.so` and versioned `*.so.N`, `*.pyd`, `*.dylib`, `*.dll`, and ELF or
 *   Mach-O files under any name): `import name` loads `name.*.so` and runs its
 *   constructor; `ctypes.CDLL('data.bin')` loads a library whatever its name.
 */

/** Why a directory is not staged, or undefined when it may be. */
export function refusedDirReason(name: string): string | undefined {
  if (name === '__pycache__')
    return 'compiled bytecode cache: Python would run it instead of the scanned source';
  return undefined;
}

/** Why a file is not staged judged by its name, or undefined when the name is fine. */
export function refusedFileReason(name: string): string | undefined {
  const lower = name.toLowerCase();
  if (/\.py[co]$/.test(lower)) return 'compiled bytecode: Python would run it without a scanned source';
  if (lower.endsWith('.pth')) return 'path configuration file: site executes its import lines';
  if (lower === 'sitecustomize.py' || lower === 'usercustomize.py')
    return 'imported automatically at interpreter start-up';
  if (/\.(so(\.\d+)*|pyd|dylib|dll)$/.test(lower))
    return 'native extension: importing or loading it runs machine code no scanner read';
  return undefined;
}

/** How many leading bytes `refusedContentReason` needs. */
export const MAGIC_BYTES = 4;

const NATIVE_MAGIC: { magic: number[]; what: string }[] = [
  { magic: [0x7f, 0x45, 0x4c, 0x46], what: 'ELF' },
  { magic: [0xfe, 0xed, 0xfa, 0xce], what: 'Mach-O' },
  { magic: [0xfe, 0xed, 0xfa, 0xcf], what: 'Mach-O' },
  { magic: [0xce, 0xfa, 0xed, 0xfe], what: 'Mach-O' },
  { magic: [0xcf, 0xfa, 0xed, 0xfe], what: 'Mach-O' },
];

/** Why a file is not staged judged by its first bytes (native code under any name). */
export function refusedContentReason(head: Buffer): string | undefined {
  for (const { magic, what } of NATIVE_MAGIC) {
    if (head.length >= magic.length && magic.every((b, i) => head[i] === b))
      return `${what} binary: a library loader (ctypes, dlopen) would run machine code no scanner read`;
  }
  return undefined;
}

/** Python source the stage copies: scanned like a gated script, because `import` runs it. */
export function isPythonSource(name: string): boolean {
  return name.toLowerCase().endsWith('.py');
}
