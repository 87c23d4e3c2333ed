import type { AnnotationProperties } from '@actions/core';
import { describe, expect, it } from 'vitest';
import {
  type AnnotationFinding,
  type AnnotationLevel,
  emitAnnotations,
} from '../../../src/github/annotations.js';

function recorder() {
  const calls: Array<{ level: AnnotationLevel; message: string; props: AnnotationProperties | undefined }> =
    [];
  const sink = {
    error: (message: string, props?: AnnotationProperties) => calls.push({ level: 'error', message, props }),
    warning: (message: string, props?: AnnotationProperties) =>
      calls.push({ level: 'warning', message, props }),
    notice: (message: string, props?: AnnotationProperties) =>
      calls.push({ level: 'notice', message, props }),
  };
  return { calls, sink };
}

const findings = (level: AnnotationLevel, n: number): AnnotationFinding[] =>
  Array.from({ length: n }, (_, i) => ({
    path: `scripts/s${i}.py`,
    line: i + 1,
    level,
    title: `B602 ${i}`,
    message: `finding ${i}`,
  }));

const count = (calls: { level: AnnotationLevel }[], level: AnnotationLevel) =>
  calls.filter((c) => c.level === level).length;

describe('emitAnnotations', () => {
  it('emits everything when under the caps, with file, line and title', () => {
    const { calls, sink } = recorder();
    const out = emitAnnotations([...findings('error', 3), ...findings('warning', 10)], sink);
    expect(out).toEqual({ error: 3, warning: 10, notice: 0, omitted: 0 });
    expect(calls).toHaveLength(13);
    expect(calls[0]).toEqual({
      level: 'error',
      message: 'finding 0',
      props: { title: 'B602 0', file: 'scripts/s0.py', startLine: 1 },
    });
  });

  it('caps each type at 10 per step and adds one notice counting the rest', () => {
    const { calls, sink } = recorder();
    const out = emitAnnotations(
      [...findings('error', 25), ...findings('warning', 11), ...findings('notice', 4)],
      sink,
    );
    expect(count(calls, 'error')).toBe(10);
    expect(count(calls, 'warning')).toBe(10);
    // 4 finding notices + the overflow notice.
    expect(count(calls, 'notice')).toBe(5);
    expect(out).toEqual({ error: 10, warning: 10, notice: 5, omitted: 16 });
    const last = calls.at(-1);
    expect(last?.level).toBe('notice');
    expect(last?.message).toMatch(/^16 more findings/);
    // The first ten of each are the ones shown, in order.
    expect(calls.filter((c) => c.level === 'error').map((c) => c.message)).toEqual(
      findings('error', 10).map((f) => f.message),
    );
  });

  it('never exceeds 10 notices, counting the overflow notice itself', () => {
    const { calls, sink } = recorder();
    const out = emitAnnotations(findings('notice', 30), sink);
    expect(count(calls, 'notice')).toBe(10);
    expect(out.omitted).toBe(21);
    expect(calls.at(-1)?.message).toMatch(/^21 more/);
  });

  it('drops nonsense line numbers and caps huge messages from hostile files', () => {
    const { calls, sink } = recorder();
    emitAnnotations(
      [
        {
          path: 'a.py',
          line: -3,
          level: 'warning',
          title: 'x'.repeat(10_000),
          message: 'y'.repeat(1_000_000),
        },
      ],
      sink,
    );
    expect(calls[0]?.props?.startLine).toBeUndefined();
    expect(calls[0]?.message.length).toBeLessThanOrEqual(2000);
    expect(calls[0]?.props?.title?.length).toBeLessThanOrEqual(200);
  });
});
