import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Stage, stageScripts } from '../../../src/gate/stage.js';
import { storedZip } from '../../helpers/zip-builder.js';
import { refusedContentReason, refusedDirReason, refusedFileReason } from '../../../src/gate/stage-rules.js';

const ELF_HEADER = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

describe('stage rules', () => {
  it.each([
    'x.pyc',
    'x.PYO',
    'hook.pth',
    'sitecustomize.py',
    'usercustomize.py',
    'fast.cpython-311-x86_64-linux-gnu.so',
    'fast.abi3.so',
    'libz.so.1.2',
    'fast.pyd',
    'fast.dylib',
    'fast.dll',
  ])('refuses %s by name', (name) => {
    expect(refusedFileReason(name)).toBeDefined();
  });

  it.each(['analysis.py', 'data.csv', 'soil.sonar', 'notes.pth.txt', 'my_sitecustomize.py', 'so'])(
    'stages %s',
    (name) => {
      expect(refusedFileReason(name)).toBeUndefined();
    },
  );

  it('refuses __pycache__ directories and native code by magic whatever the name', () => {
    expect(refusedDirReason('__pycache__')).toMatch(/bytecode/);
    expect(refusedDirReason('pkg')).toBeUndefined();
    expect(refusedContentReason(ELF_HEADER)).toMatch(/ELF/);
    expect(refusedContentReason(Buffer.from([0xcf, 0xfa, 0xed, 0xfe]))).toMatch(/Mach-O/);
    expect(refusedContentReason(Buffer.from('\x7fEL'))).toBeUndefined();
    expect(refusedContentReason(Buffer.from('a,b\n1,2\n'))).toBeUndefined();
  });
});

describe('stageScripts', () => {
  let ws: string;
  let stage: Stage | undefined;

  beforeEach(async () => {
    ws = await mkdtemp(join(tmpdir(), 'airlock-stage-test-'));
  });
  afterEach(async () => {
    await stage?.dispose();
    stage = undefined;
    await rm(ws, { recursive: true, force: true });
  });

  async function put(rel: string, content: string | Buffer): Promise<void> {
    await mkdir(join(ws, rel, '..'), { recursive: true });
    await writeFile(join(ws, rel), content);
  }

  async function listed(root: string, rel = ''): Promise<string[]> {
    const out: string[] = [];
    for (const e of await readdir(join(root, rel), { withFileTypes: true })) {
      const p = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) out.push(...(await listed(root, p)));
      else out.push(p);
    }
    return out.sort();
  }

  it('returns every staged Python source but the gated scripts, hashed from the staged bytes', async () => {
    await put('a/main.py', 'import helper\n');
    await put('a/helper.py', 'X = 1\n');
    await put('a/pkg/__init__.py', '');
    await put('a/pkg/deep/mod.py', 'Y = 2\n');
    await put('a/data.csv', 'x\n1\n');
    stage = await stageScripts({
      workspace: ws,
      scripts: [{ path: 'a/main.py', content: Buffer.from('import helper\n') }],
      maxFiles: 100,
      maxBytes: 1 << 20,
    });
    expect(stage.modules.map((m) => m.path)).toEqual([
      'a/helper.py',
      'a/pkg/__init__.py',
      'a/pkg/deep/mod.py',
    ]);
    const helper = stage.modules.find((m) => m.path === 'a/helper.py')!;
    const staged = await readFile(join(stage.root, 'a/helper.py'));
    expect(helper.sha256).toBe(createHash('sha256').update(staged).digest('hex'));
    expect(helper.bytes).toBe(6);
    expect(staged.toString()).toBe('X = 1\n');
  });

  it('never stages bytecode, .pth, start-up hooks or native code, and says why', async () => {
    await put('s/main.py', 'print(1)\n');
    await put('s/__pycache__/helper.cpython-311.pyc', 'bytecode');
    await put('s/helper.pyc', 'bytecode');
    await put('s/hook.pth', 'import os\n');
    await put('s/sitecustomize.py', 'print("hook")\n');
    await put('s/sub/usercustomize.py', 'print("hook")\n');
    await put('s/fast.cpython-311-x86_64-linux-gnu.so', 'whatever');
    await put('s/innocent.dat', Buffer.concat([ELF_HEADER, Buffer.alloc(64)]));
    await put('s/plot.csv', 'x\n1\n');
    stage = await stageScripts({
      workspace: ws,
      scripts: [{ path: 's/main.py', content: Buffer.from('print(1)\n') }],
      maxFiles: 100,
      maxBytes: 1 << 20,
    });
    expect(await listed(stage.root)).toEqual(['s/main.py', 's/plot.csv']);
    expect(stage.modules).toEqual([]);
    const notices = stage.notices.join('\n');
    for (const p of [
      's/__pycache__/',
      's/helper.pyc',
      's/hook.pth',
      's/sitecustomize.py',
      's/sub/usercustomize.py',
      's/fast.cpython-311-x86_64-linux-gnu.so',
      's/innocent.dat',
    ])
      expect(notices).toContain(`: ${p}`);
    expect(notices).toMatch(/ELF binary.*: s\/innocent\.dat/);
  });

  it('never stages a zip archive that holds code zipimport could run, under any name', async () => {
    const code = storedZip([{ name: 'payload.py', data: 'print("from the zip")\n' }]);
    await put('z/main.py', 'print(1)\n');
    await put('z/lib.zip', code);
    // Bytes in front do not stop zipimport, which reads the archive from its end.
    await put('z/table.csv', Buffer.concat([Buffer.from('a,b\n1,2\n'), code]));
    await put('z/native.egg', storedZip([{ name: 'fast.so', data: 'x' }]));
    // A data zip (a workbook, a compressed CSV) is staged as it is.
    await put('z/book.xlsx', storedZip([{ name: 'xl/worksheets/sheet1.xml', data: '<x/>' }]));
    // Something that ends like a zip but whose directory does not parse: refused, not guessed.
    const broken = Buffer.from(code);
    broken.writeUInt32LE(0, code.length - 22 - (46 + 'payload.py'.length));
    await put('z/broken.bin', broken);
    stage = await stageScripts({
      workspace: ws,
      scripts: [{ path: 'z/main.py', content: Buffer.from('print(1)\n') }],
      maxFiles: 100,
      maxBytes: 1 << 20,
    });
    expect(await listed(stage.root)).toEqual(['z/book.xlsx', 'z/main.py']);
    const notices = stage.notices.join('\n');
    expect(notices).toMatch(/zip archive holding code \("payload\.py"\).*: z\/lib\.zip/);
    expect(notices).toMatch(/zip archive holding code.*: z\/table\.csv/);
    expect(notices).toMatch(/"fast\.so".*: z\/native\.egg/);
    expect(notices).toMatch(/does not parse.*: z\/broken\.bin/);
  });

  it("the run view leaves out what is hidden, keeps the scanners' copy, and mounts odd folders by a plain path", async () => {
    await put('a/main.py', 'import evil\n');
    await put('a/evil.py', 'eval("1")\n');
    await put('a/sub/data.csv', 'x\n');
    await put('x,y/main.py', 'print(1)\n');
    await put('x,y/in.csv', 'b\n');
    stage = await stageScripts({
      workspace: ws,
      scripts: [
        { path: 'a/main.py', content: Buffer.from('import evil\n') },
        { path: 'x,y/main.py', content: Buffer.from('print(1)\n') },
      ],
      maxFiles: 100,
      maxBytes: 1 << 20,
    });
    expect(() => stage!.dirOf('a/main.py', 'low')).toThrow(/no run view/);
    await stage.prepareRun({ low: ['a/evil.py'], high: [] });
    expect(await listed(stage.dirOf('a/main.py', 'low'))).toEqual(['main.py', 'sub/data.csv']);
    expect(await listed(stage.dirOf('a/main.py', 'high'))).toEqual(['evil.py', 'main.py', 'sub/data.csv']);
    expect(await listed(join(stage.root, 'a'))).toEqual(['evil.py', 'main.py', 'sub/data.csv']);
    expect(() => stage!.dirOf('a/main.py', 'blocked')).toThrow(/no run view/);
    const odd = stage.dirOf('x,y/main.py', 'low');
    expect(odd).not.toMatch(/,/);
    expect(await listed(odd)).toEqual(['in.csv', 'main.py']);
    expect((await readFile(join(odd, 'in.csv'))).toString()).toBe('b\n');
  });

  it('copies a data file beginning with other bytes unchanged', async () => {
    const big = Buffer.alloc(300_000, 7);
    await put('d/main.py', 'print(1)\n');
    await put('d/blob.bin', big);
    stage = await stageScripts({
      workspace: ws,
      scripts: [{ path: 'd/main.py', content: Buffer.from('print(1)\n') }],
      maxFiles: 100,
      maxBytes: 1 << 20,
    });
    expect((await readFile(join(stage.root, 'd/blob.bin'))).equals(big)).toBe(true);
  });
});
