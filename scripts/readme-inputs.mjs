#!/usr/bin/env node
// Generates the README's inputs/outputs tables from action.yml, so the two never
// disagree. `node scripts/readme-inputs.mjs` rewrites README.md between the markers;
// `--check` exits 1 when README.md is stale (a unit test runs that).
import { readFileSync, writeFileSync } from 'node:fs';
import { parse } from 'yaml';

const BEGIN = '<!-- action-io:begin (generated from action.yml by scripts/readme-inputs.mjs) -->';
const END = '<!-- action-io:end -->';

export function renderTables(actionYml) {
  const action = parse(actionYml);
  const cell = (t) =>
    String(t ?? '')
      .replace(/\|/g, '\\|')
      .replace(/\n/g, ' ')
      .trim();
  const lines = ['| input | default | description |', '| --- | --- | --- |'];
  for (const [name, i] of Object.entries(action.inputs ?? {})) {
    lines.push(
      `| \`${name}\` | ${i.default === '' || i.default === undefined ? '' : `\`${cell(i.default)}\``} | ${cell(i.description)} |`,
    );
  }
  lines.push('', '| output | description |', '| --- | --- |');
  for (const [name, o] of Object.entries(action.outputs ?? {}))
    lines.push(`| \`${name}\` | ${cell(o.description)} |`);
  return lines.join('\n');
}

export function updateReadme(readme, actionYml) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error('README.md has no action-io markers');
  return `${readme.slice(0, start + BEGIN.length)}\n${renderTables(actionYml)}\n${readme.slice(end)}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const readme = readFileSync('README.md', 'utf8');
  const next = updateReadme(readme, readFileSync('action.yml', 'utf8'));
  if (process.argv.includes('--check')) {
    if (next !== readme) {
      console.error('README.md inputs/outputs are stale: run node scripts/readme-inputs.mjs');
      process.exit(1);
    }
  } else {
    writeFileSync('README.md', next);
  }
}
