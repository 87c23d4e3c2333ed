import type { AnnotationProperties } from '@actions/core';

/**
 * Findings as workflow annotations (`::error file=...,line=...::`), within GitHub's
 * limits: a step shows at most 10 error, 10 warning and 10 notice annotations
 * (actions/toolkit docs/problem-matchers.md, "Limitations"); the rest are dropped
 * silently by GitHub. We emit at most that many of each and then one notice that
 * says how many more there are and where to find them, so nobody mistakes the
 * shown ten for all of them.
 *
 * Paths and messages come from scanned (hostile) files. @actions/core escapes
 * `%`, CR, LF in the message and `:`/`,` in properties, so a finding cannot forge
 * another workflow command; we also cap lengths so one finding cannot flood the log.
 */
export type AnnotationLevel = 'error' | 'warning' | 'notice';

export interface AnnotationFinding {
  /** Path relative to the repository root. */
  path: string;
  line?: number;
  level: AnnotationLevel;
  title: string;
  message: string;
}

/** The three functions of @actions/core we use; tests pass a recorder. */
export interface AnnotationSink {
  error(message: string, properties?: AnnotationProperties): void;
  warning(message: string, properties?: AnnotationProperties): void;
  notice(message: string, properties?: AnnotationProperties): void;
}

export interface AnnotationCounts {
  error: number;
  warning: number;
  notice: number;
  /** Findings not shown as annotations. */
  omitted: number;
}

/** GitHub's per-step cap for each annotation type. */
export const ANNOTATIONS_PER_TYPE = 10;
const MAX_TITLE = 200;
const MAX_MESSAGE = 2000;

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function properties(f: AnnotationFinding): AnnotationProperties {
  const props: AnnotationProperties = { title: cap(f.title, MAX_TITLE), file: f.path };
  if (f.line !== undefined && Number.isSafeInteger(f.line) && f.line > 0) props.startLine = f.line;
  return props;
}

export function emitAnnotations(
  findings: readonly AnnotationFinding[],
  core: AnnotationSink,
  opts: { seeAlso?: string } = {},
): AnnotationCounts {
  const byLevel: Record<AnnotationLevel, AnnotationFinding[]> = { error: [], warning: [], notice: [] };
  for (const f of findings) byLevel[f.level].push(f);

  const overflow =
    byLevel.error.length > ANNOTATIONS_PER_TYPE ||
    byLevel.warning.length > ANNOTATIONS_PER_TYPE ||
    byLevel.notice.length > ANNOTATIONS_PER_TYPE;
  // The "N more" notice is itself a notice, so it takes one of the ten notice slots.
  const noticeSlots = overflow ? ANNOTATIONS_PER_TYPE - 1 : ANNOTATIONS_PER_TYPE;
  const shown = {
    error: byLevel.error.slice(0, ANNOTATIONS_PER_TYPE),
    warning: byLevel.warning.slice(0, ANNOTATIONS_PER_TYPE),
    notice: byLevel.notice.slice(0, noticeSlots),
  };
  for (const f of shown.error) core.error(cap(f.message, MAX_MESSAGE), properties(f));
  for (const f of shown.warning) core.warning(cap(f.message, MAX_MESSAGE), properties(f));
  for (const f of shown.notice) core.notice(cap(f.message, MAX_MESSAGE), properties(f));

  const omitted = findings.length - shown.error.length - shown.warning.length - shown.notice.length;
  if (omitted > 0) {
    const where = opts.seeAlso ?? 'the job summary and the SARIF report';
    core.notice(
      `${omitted} more finding${omitted === 1 ? '' : 's'} not shown as annotations ` +
        `(GitHub shows at most ${ANNOTATIONS_PER_TYPE} of each type per step); see ${where}.`,
      { title: 'Airlock: more findings' },
    );
  }
  return {
    error: shown.error.length,
    warning: shown.warning.length,
    notice: shown.notice.length + (omitted > 0 ? 1 : 0),
    omitted,
  };
}
