import { clip, visibleText } from './visible-text.js';

/**
 * Markdown pieces for text that comes from scanned (hostile) files: names, messages,
 * output. GitHub renders summaries as GitHub-flavoured Markdown with inline HTML, so
 * such text must not open a link, an image, a tag, a table cell or a code fence of its
 * own, and must not hide or reorder characters (src/report/visible-text.ts).
 */

/** Plain text on one line: HTML and Markdown syntax escaped, bounded. */
export function escapeMarkdown(text: string, max = 500): string {
  return (
    clip(visibleText(text.replace(/[\r\n]+/g, ' ')), max)
      // HTML first (GitHub renders inline HTML in summaries), then Markdown syntax.
      .replace(/&/g, '&amp;')
      .replace(/</g, '&lt;')
      .replace(/>/g, '&gt;')
      .replace(/[\\`*_{}[\]()#+!|~]/g, (c) => `\\${c}`)
  );
}

/**
 * A code span that shows `text` exactly (backticks included), on one line. A table
 * cell ends at an unescaped `|` even inside a code span (GFM), hence `\|`, which
 * GitHub shows as `|`.
 */
export function codeSpan(text: string, max = 300): string {
  const shown = clip(visibleText(text), max).replace(/\|/g, '\\|');
  const longest = Math.max(0, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = shown.startsWith('`') || shown.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${shown}${pad}${fence}`;
}

/**
 * A fenced block longer than any backtick run inside, so the text cannot close it and
 * go on as Markdown or HTML. Line breaks stay; other invisible characters are escaped.
 */
export function fencedBlock(text: string, lang = ''): string {
  const shown = visibleText(text, { keepLineBreaks: true }).replace(/\n+$/, '');
  const longest = Math.max(2, ...[...shown.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${lang}\n${shown}\n${fence}`;
}

/**
 * Each path segment percent-encoded, parentheses too: an unbalanced `)` in a name
 * would end the link's destination and let the rest of the name render as Markdown.
 */
export function encodePath(path: string): string {
  return path
    .split('/')
    .map((seg) =>
      encodeURIComponent(seg).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`),
    )
    .join('/');
}

/** `[label](url)` for a URL we built; `label` is Markdown already escaped by the caller. */
export function link(label: string, url: string | undefined): string {
  return url ? `[${label}](${url})` : label;
}

export function fmtBytes(b: number | null | undefined): string {
  if (b === null || b === undefined) return '–';
  if (b < 1024) return `${b} B`;
  if (b < 1024 * 1024) return `${(b / 1024).toFixed(1)} KiB`;
  return `${(b / (1024 * 1024)).toFixed(1)} MiB`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined) return '–';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

/** UTF-8 size, as GitHub measures a step summary. */
export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
