import { afterEach, describe, expect, it, vi } from 'vitest';
import { readTelemetryConfig } from '../../../src/telemetry/config.js';
import { telemetryEventsWanted } from '../../../src/telemetry/sink.js';
import { createTelemetry } from '../../../src/telemetry/telemetry.js';

/**
 * Telemetry event lines reach stderr only when asked for (issue 20): by default a
 * gate's terminal and Actions log carry the verdict and findings, not one JSON line
 * per script. The default sink is exercised for real: stderr writes are captured.
 */
function stderrOf(env: NodeJS.ProcessEnv): string[] {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  try {
    const t = createTelemetry({ env, runId: 'r1' });
    t.recordSandboxRun({ status: 'success', durationMs: 5, exitCode: 0, scriptPath: 'a.py', sha256: 'x' });
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('telemetry event sink', () => {
  afterEach(() => vi.restoreAllMocks());

  it('writes nothing by default', () => {
    expect(stderrOf({})).toEqual([]);
  });

  it('writes the event line when AIRLOCK_TELEMETRY asks for it', () => {
    const lines = stderrOf({ AIRLOCK_TELEMETRY: 'stderr' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'telemetry.sandbox', script_path: 'a.py' });
  });

  it('is on when an endpoint is configured, unless turned off explicitly', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318' };
    expect(telemetryEventsWanted(env, readTelemetryConfig(env))).toBe(true);
    const push = { AIRLOCK_PUSHGATEWAY_URL: 'http://127.0.0.1:9091' };
    expect(telemetryEventsWanted(push, readTelemetryConfig(push))).toBe(true);
    const off = { ...env, AIRLOCK_TELEMETRY: 'off' };
    expect(telemetryEventsWanted(off, readTelemetryConfig(off))).toBe(false);
    // The spec's kill switch disables the endpoint, and so the lines.
    const killed = { ...env, OTEL_SDK_DISABLED: 'true' };
    expect(telemetryEventsWanted(killed, readTelemetryConfig(killed))).toBe(false);
  });

  it('still shows a configuration warning when events are off', () => {
    const lines = stderrOf({ AIRLOCK_TELEMETRY_TIMEOUT_MS: 'soon' });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ event: 'telemetry.warning' });
  });
});
