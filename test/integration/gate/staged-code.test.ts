import { createPrivateKey } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateAuditKeyPair } from '../../../src/audit/index.js';
import { tryRunCommand } from '../../../src/exec/run-command.js';
import { runGate } from '../../../src/gate/pipeline.js';
import type { GateReport, ScriptReport } from '../../../src/report/types.js';
import { commitOnBranch, initRepo } from '../../helpers/git-fixture.js';
import { hostileGateSettings, type TempWorkspace, tempWorkspace } from '../../helpers/hostile-gate.js';
import { ensureTestImage } from '../../helpers/test-image.js';
import { storedZip } from '../../helpers/zip-builder.js';

/**
 * "Nothing runs unscanned", through the real pipeline on a pull request: only the
 * changed scripts are gated, while their folders (unchanged siblings, planted bytecode,
 * native libraries, start-up hooks) are what the sandbox would see. Every case here ran
 * unscanned code (or staged it) before the stage scanned and filtered what it copies.
 */

// The test image has no Semgrep: this policy turns it off so Bandit alone decides.
const POLICY = 'version: 1\nextends: default\nscanners:\n  semgrep:\n    mode: off\n';

// A shared library whose constructor runs at load time, before any Python code.
const CONSTRUCTOR_C = `#include <unistd.h>
__attribute__((constructor)) static void ran(void) { write(1, "NATIVE CONSTRUCTOR RAN\\n", 23); }
`;

/** An "unchecked-hash" pyc: the import system never compares it with helper.py. */
async function plantedBytecode(image: string): Promise<Buffer> {
  const code = [
    'import py_compile, sys',
    "open('/tmp/evil.py', 'w').write('print(\"PLANTED BYTECODE RAN\")\\ndef hello(): pass\\n')",
    "py_compile.compile('/tmp/evil.py', cfile='/tmp/evil.pyc', invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)",
    "sys.stdout.write(open('/tmp/evil.pyc', 'rb').read().hex())",
  ].join('\n');
  const r = await tryRunCommand(
    'docker',
    ['run', '--rm', '--network', 'none', image, 'python3', '-c', code],
    {
      timeoutMs: 60_000,
    },
  );
  if (r.exitCode !== 0) throw new Error(`compiling the planted bytecode failed: ${r.stderr}`);
  return Buffer.from(r.stdout.trim(), 'hex');
}

async function nativeLibrary(dir: string): Promise<Buffer> {
  await writeFile(join(dir, 'ctor.c'), CONSTRUCTOR_C);
  const r = await tryRunCommand(
    'gcc',
    ['-shared', '-fPIC', '-o', join(dir, 'ctor.so'), join(dir, 'ctor.c')],
    {
      timeoutMs: 60_000,
    },
  );
  if (r.exitCode !== 0) throw new Error(`gcc failed: ${r.stderr}`);
  return readFile(join(dir, 'ctor.so'));
}

describe('nothing runs unscanned (pull request, real engine)', () => {
  let ws: TempWorkspace;
  let scratch: TempWorkspace;
  let report: GateReport;
  let auditLines: { kind: string; data: Record<string, unknown> }[];
  const script = (p: string): ScriptReport => {
    const s = report.scripts.find((x) => x.path === p);
    if (!s) throw new Error(`${p} not in the report: ${report.scripts.map((x) => x.path).join(', ')}`);
    return s;
  };

  beforeAll(async () => {
    const image = await ensureTestImage();
    ws = await tempWorkspace('staged-code');
    scratch = await tempWorkspace('staged-code-build');
    const so = await nativeLibrary(scratch.dir);
    const base = await initRepo(ws.dir, {
      '.airlock/policy.yml': POLICY,
      // A blocked module nobody changed in this pull request.
      'imp/evil.py': 'print("EVIL SIBLING RAN")\nprint(eval("6*7"))\n',
      // Clean source, and bytecode that would run instead of it.
      'pyc/helper.py': 'def hello():\n    print("helper source")\n',
      'pyc/__pycache__/helper.cpython-311.pyc': await plantedBytecode(image),
      // Native code: an extension module by name, and the same library under a data name.
      'native/fast.cpython-311-x86_64-linux-gnu.so': so,
      'native/blob.dat': so,
      'native/table.csv': 'x,y\n1,2\n',
      // Start-up hooks and a path file.
      'hooks/sitecustomize.py': 'print("SITECUSTOMIZE RAN")\n',
      'hooks/usercustomize.py': 'print("USERCUSTOMIZE RAN")\n',
      'hooks/extra.pth': 'import os; print("PTH RAN")\n',
      // Code in a zip under a data name: one sys.path line from running.
      'zipimp/lib.dat': storedZip([{ name: 'payload.py', data: 'print("ZIP PAYLOAD RAN")\n' }]),
      // A module Bandit rates `high` (it starts a program), in a package folder.
      'prof/tools/__init__.py': '',
      'prof/tools/run.py': 'import subprocess\nsubprocess.run(["true"], check=False)\nDONE = True\n',
    });
    const head = await commitOnBranch(ws.dir, 'pr', {
      'imp/main.py': 'import evil\nprint("main done")\n',
      'pyc/main.py': 'import helper\nhelper.hello()\n',
      'native/main.py': [
        'import ctypes',
        'try:',
        '    import fast',
        'except ImportError as e:',
        '    print("import fast:", type(e).__name__)',
        'try:',
        '    ctypes.CDLL("./blob.dat")',
        'except OSError as e:',
        '    print("no blob:", type(e).__name__)',
        'print("native done")',
        '',
      ].join('\n'),
      'hooks/main.py': 'import os\nprint(sorted(os.listdir(".")))\n',
      'zipimp/main.py': [
        'import sys',
        'sys.path.insert(0, "lib.dat")',
        'try:',
        '    import payload',
        'except ImportError as e:',
        '    print("no payload:", type(e).__name__)',
        '',
      ].join('\n'),
      'prof/main.py': 'from tools import run\nprint("profile case done", run.DONE)\n',
      // A high script may import the high module: it runs restricted anyway.
      'prof/high_main.py':
        'import subprocess\nsubprocess.run(["true"], check=False)\nfrom tools import run\nprint("high case done", run.DONE)\n',
    });
    const keys = generateAuditKeyPair();
    const settings = hostileGateSettings(ws.dir, image, {
      policy: join(ws.dir, '.airlock/policy.yml'),
      changedBetween: { base, head },
      audit: {
        log: join(ws.dir, '.airlock/audit/audit.log'),
        origin: 'example.test/staged',
        signingKey: createPrivateKey(keys.privatePem),
      },
    });
    ({ report } = await runGate(settings, { progress: () => undefined, env: {} }));
    auditLines = (await readFile(settings.audit!.log, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  });

  afterAll(async () => {
    await ws?.dispose();
    await scratch?.dispose();
  });

  it('gated only the changed scripts', () => {
    expect(report.scripts.map((s) => s.path).sort()).toEqual([
      'hooks/main.py',
      'imp/main.py',
      'native/main.py',
      'prof/high_main.py',
      'prof/main.py',
      'pyc/main.py',
      'zipimp/main.py',
    ]);
  });

  it('a blocked, unchanged sibling is left out of the sandbox: the clean script that imports it cannot run it', () => {
    const s = script('imp/main.py');
    expect(s.level).toBe('low');
    expect(s.levelReasons.join('\n')).toContain(
      '"imp/evil.py" (module, blocked) is left out of this script\'s sandbox, being rated stricter than low: importing it fails',
    );
    expect(s.execution?.status).toBe('failure');
    expect(s.execution?.stdout).not.toContain('EVIL SIBLING RAN');
    expect(s.execution?.stderr).toContain("No module named 'evil'");
    const evil = report.modules?.find((m) => m.path === 'imp/evil.py');
    expect(evil?.level).toBe('blocked');
    expect(evil?.findings.map((f) => f.ruleId)).toContain('B307');
    expect(report.verdict).toBe('fail');
  });

  it('records every staged module with the hash of the bytes staged, in the report and the audit log', async () => {
    const evil = report.modules?.find((m) => m.path === 'imp/evil.py');
    const bytes = await readFile(join(ws.dir, 'imp/evil.py'));
    const { createHash } = await import('node:crypto');
    expect(evil?.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    const entry = auditLines.find((l) => l.kind === 'scan' && l.data.path === 'imp/evil.py');
    expect(entry?.data).toMatchObject({ module: true, level: 'blocked', sha256: evil?.sha256 });
    expect(entry?.data.findings).toContain('bandit:B307');
    const mainEntry = auditLines.find((l) => l.kind === 'scan' && l.data.path === 'imp/main.py');
    expect(mainEntry?.data).toMatchObject({ level: 'low' });
    expect(mainEntry?.data.module).toBeUndefined();
  });

  it('planted __pycache__ bytecode is not staged: the scanned source runs', () => {
    const s = script('pyc/main.py');
    expect(s.execution?.status, s.execution?.stderr).toBe('success');
    expect(s.execution?.stdout).toContain('helper source');
    expect(s.execution?.stdout).not.toContain('PLANTED BYTECODE RAN');
    expect(report.modules?.map((m) => m.path)).toContain('pyc/helper.py');
    expect(report.notices.join('\n')).toMatch(
      /not staged \(compiled bytecode cache[^)]*\): pyc\/__pycache__\//,
    );
  });

  it('a native library next to a script, under an extension name or a data name, is not staged and never loads', () => {
    const s = script('native/main.py');
    expect(s.execution?.status, s.execution?.stderr).toBe('success');
    expect(s.execution?.stdout).not.toContain('NATIVE CONSTRUCTOR RAN');
    expect(s.execution?.stdout).toContain('import fast: ModuleNotFoundError');
    expect(s.execution?.stdout).toContain('no blob: OSError');
    const notices = report.notices.join('\n');
    expect(notices).toContain('native/fast.cpython-311-x86_64-linux-gnu.so');
    expect(notices).toMatch(/ELF binary.*: native\/blob\.dat/);
  });

  it('a zip holding Python code under a data name is not staged, so zipimport finds nothing', () => {
    const s = script('zipimp/main.py');
    expect(s.execution?.status, s.execution?.stderr).toBe('success');
    expect(s.execution?.stdout).not.toContain('ZIP PAYLOAD RAN');
    expect(s.execution?.stdout).toContain('no payload: ModuleNotFoundError');
    expect(report.notices.join('\n')).toMatch(
      /zip archive holding code \("payload\.py"\).*: zipimp\/lib\.dat/,
    );
  });

  it('.pth files and sitecustomize/usercustomize are not staged', () => {
    const s = script('hooks/main.py');
    expect(s.execution?.status, s.execution?.stderr).toBe('success');
    expect(s.execution?.stdout.trim()).toBe("['main.py']");
  });

  it('high code never runs under the low profile: a low script cannot import a high module', () => {
    const s = script('prof/main.py');
    expect(s.level).toBe('low');
    expect(s.levelReasons.join('\n')).toContain(
      '"prof/tools/run.py" (module, high) is left out of this script\'s sandbox',
    );
    expect(s.execution?.profile).toBe('standard');
    expect(s.execution?.status).toBe('failure');
    expect(s.execution?.stdout).not.toContain('profile case done');
    expect(s.execution?.stderr).toMatch(/ImportError: cannot import name 'run' from 'tools'/);
  });

  it('a high script imports the same module and runs under the restricted profile', () => {
    const s = script('prof/high_main.py');
    expect(s.level).toBe('high');
    expect(s.execution?.profile).toBe('restricted');
    expect(s.execution?.status, s.execution?.stderr).toBe('success');
    expect(s.execution?.stdout).toContain('high case done True');
  });
});
