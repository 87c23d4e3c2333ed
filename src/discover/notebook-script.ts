import { lstat } from 'node:fs/promises';
import { join } from 'node:path';
import { type LineOrigin, notebookToScript, toNotebookFinding } from '../notebook/extract.js';
import { NotebookError, parseNotebook } from '../notebook/parse.js';
import { runnableNotebook } from '../notebook/runnable.js';
import type { Finding } from '../report/types.js';

/**
 * What the gate needs of a discovered `.ipynb`: the Python script extracted from its
 * code cells (src/notebook), the name it is staged, scanned and run under, and how
 * to put findings back on the notebook. The notebook itself is never given to a
 * scanner or to Python: Semgrep skips `.ipynb` targets, and only the extracted
 * script is what was scanned.
 */
export const NOTEBOOK_SUFFIX = '.ipynb';

export function isGatedName(rel: string): boolean {
  return rel.endsWith('.py') || rel.endsWith(NOTEBOOK_SUFFIX);
}

export interface NotebookParts {
  /**
   * Workspace-relative name of the extracted script, beside the notebook (`x.ipynb.py`)
   * so its `import helper` finds the notebook's sibling modules, and a `.py` so both
   * scanners read it. Tracebacks in the run's stderr name it.
   */
  stagedPath: string;
  /** Line i + 1 of the extracted script came from origins[i]. */
  origins: LineOrigin[];
  /** Shell escapes and program-running magics (airlock.notebook-shell), on script lines. */
  findings: Finding[];
  /**
   * The notebook the sandbox executes, staged at the notebook's own path: its code
   * cells hold exactly the extracted script's lines (src/notebook/runnable.ts).
   */
  runnable: Buffer;
  /**
   * The committed notebook's bytes (what `sha256` hashes): the SARIF's line fingerprints
   * are computed from them, as GitHub computes them from the checked-out file, since
   * the staged file at the notebook's path is the runnable copy.
   */
  committed: Buffer;
}

export type NotebookOutcome =
  | { ok: true; code: Buffer; notebook: NotebookParts }
  | { ok: false; reason: string };

/**
 * `taken` says whether a workspace path is already a gated script; a file of the
 * staged name that exists at all also refuses the notebook, since staging would put
 * one over the other and what was scanned would not be what runs.
 */
export async function notebookScript(
  rel: string,
  content: Buffer,
  ws: string,
  taken: (rel: string) => boolean,
): Promise<NotebookOutcome> {
  const stagedPath = `${rel}.py`;
  if (taken(stagedPath) || (await lstat(join(ws, stagedPath)).catch(() => null))) {
    return {
      ok: false,
      reason: `its extracted script's name ${JSON.stringify(stagedPath)} is taken by another file`,
    };
  }
  let script: ReturnType<typeof notebookToScript>;
  const text = content.toString('utf8');
  try {
    script = notebookToScript(parseNotebook(text));
  } catch (e) {
    if (e instanceof NotebookError) return { ok: false, reason: `not a readable notebook: ${e.message}` };
    throw e;
  }
  return {
    ok: true,
    code: Buffer.from(script.code, 'utf8'),
    notebook: {
      stagedPath,
      origins: script.origins,
      findings: script.findings,
      runnable: runnableNotebook(text, script.cells),
      committed: content,
    },
  };
}

/**
 * Paths as the stage, the scanners and the sandbox know them: a notebook's script
 * under its staged name, everything else under its own. The report, the audit log
 * and SARIF keep the notebook's path.
 */
export function stagedNames(scripts: readonly { path: string; notebook?: NotebookParts }[]) {
  const notebooks = new Map(scripts.flatMap((s) => (s.notebook ? [[s.path, s.notebook] as const] : [])));
  return {
    notebookOf: (path: string) => notebooks.get(path),
    stagedOf: (path: string) => notebooks.get(path)?.stagedPath ?? path,
  };
}

/** The scanners' findings on the extracted script plus the shell findings, placed on the notebook. */
export function notebookFindings(parts: NotebookParts, scanned: readonly Finding[]): Finding[] {
  return [...scanned, ...parts.findings]
    .map((f) => toNotebookFinding(f, parts.origins))
    .sort((a, b) => a.line - b.line);
}
