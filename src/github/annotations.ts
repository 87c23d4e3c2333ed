import type { AnnotationProperties } from '@actions/core';
import { clip, hasInvisible, visibleText } from '../report/visible-text.js';

/**
 * Findings as workflow annotations (`::error file=...,line=...::`), within GitHub's
 * limits: "10 warning annotations, 10 error annotations, and 10 notice annotations per
 * step" and "50 annotations per job" (actions/toolkit docs/problem-matchers.md,
 * "Limitations"; the REST docs for check runs say the same of errors and warnings:
 * "GitHub Actions are limited to 10 warning annotations and 10 error annotations per
 * step"). GitHub drops the rest silently. We emit at most that many of each, most
 * severe first (the caller's order: see report-annotations.ts), and then one notice
 * that says how many more there are and where to find them, so nobody mistakes the
 * shown ten for all of them.
 *
 * Paths and messages come from scanned (hostile) files. @actions/core escapes
 * `%`, CR, LF in the message and `:`/`,` in properties, so a finding cannot forge
 * another workflow command; invisible characters (U+0085, U+2028, bidi overrides...)
 * are written out as `\u{...}` (src/report/visible-text.ts), and lengths are capped so
 * one finding cannot flood the log.
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

function message(f: AnnotationFinding): string {
  const text = visibleText(f.message, { keepLineBreaks: true });
  // A path GitHub could not match to a file is not set as `file`: it is named in the text instead.
  return clip(hasInvisible(f.path) ? `${visibleText(f.path)}: ${text}` : text, MAX_MESSAGE);
}

function properties(f: AnnotationFinding): AnnotationProperties {
  const props: AnnotationProperties = { title: clip(visibleText(f.title), MAX_TITLE) };
  if (hasInvisible(f.path)) return props;
  props.file = f.path;
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
  for (const f of shown.error) core.error(message(f), properties(f));
  for (const f of shown.warning) core.warning(message(f), properties(f));
  for (const f of shown.notice) core.notice(message(f), properties(f));

  const omitted = findings.length - shown.error.length - shown.warning.length - shown.notice.length;
  if (omitted > 0) {
    const where = opts.seeAlso ?? 'the job summary and the SARIF report';
    const left = (['error', 'warning', 'notice'] as const)
      .map((l) => [l, byLevel[l].length - shown[l].length] as const)
      .filter(([, n]) => n > 0)
      .map(([l, n]) => `${n} ${l}${n === 1 ? '' : 's'}`)
      .join(', ');
    core.notice(
      `${omitted} more finding${omitted === 1 ? '' : 's'} not shown as annotations (${left}; ` +
        `GitHub shows at most ${ANNOTATIONS_PER_TYPE} of each type per step); see ${where}.`,
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
