/**
 * Hostile text (file names, finding messages, a script's stderr, artifact names) made
 * visible: every character that moves, hides or reorders text is written out as
 * `\u{XXXX}` instead of being passed on.
 *
 * - C0 and C1 controls (U+0085 NEXT LINE is a line break to many renderers) and DEL;
 * - U+2028/U+2029 (line and paragraph separators: new lines in JavaScript, in GitHub's
 *   log viewer and in some Markdown renderers);
 * - bidirectional overrides, embeddings, isolates and marks (trojan source: text that
 *   displays in another order than it reads, CVE-2021-42574);
 * - zero-width characters and the BOM (names that look equal and are not).
 *
 * `keepLineBreaks` keeps `\n` and `\t` (a stderr tail in a code block); otherwise they
 * are escaped too, so one line stays one line.
 */
const ALWAYS =
  /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;
const WITH_BREAKS = /[\u0000-\u001F\u007F-\u009F\u061C\u200B-\u200F\u2028-\u202E\u2060-\u2069\uFEFF]/g;

function codePointEscape(c: string): string {
  return `\\u{${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}}`;
}

export function visibleText(text: string, opts: { keepLineBreaks?: boolean } = {}): string {
  const normalized = opts.keepLineBreaks ? text.replace(/\r\n?/g, '\n') : text;
  return normalized.replace(opts.keepLineBreaks ? ALWAYS : WITH_BREAKS, codePointEscape);
}

/** True when `text` holds a character `visibleText` would escape (on one line). */
export function hasInvisible(text: string): boolean {
  WITH_BREAKS.lastIndex = 0;
  const found = WITH_BREAKS.test(text);
  WITH_BREAKS.lastIndex = 0;
  return found;
}

/** At most `max` UTF-16 units, cut with an ellipsis and never inside a surrogate pair. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}
