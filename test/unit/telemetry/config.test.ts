import { describe, expect, it } from 'vitest';
import { readTelemetryConfig, redactUrl } from '../../../src/telemetry/config.js';
import { groupUrl } from '../../../src/telemetry/pushgateway.js';

describe('readTelemetryConfig', () => {
  it('is off when nothing is configured', () => {
    const c = readTelemetryConfig({});
    expect(c.otlpUrl).toBeUndefined();
    expect(c.pushgatewayUrl).toBeUndefined();
    expect(c.instance).toBe('local');
    expect(c.job).toBe('airlock');
  });

  it('follows the OTel spec for endpoints and the kill switch', () => {
    expect(readTelemetryConfig({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/' }).otlpUrl?.href).toBe(
      'http://c:4318/v1/metrics',
    );
    expect(
      readTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
        OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: 'http://m:9/x',
      }).otlpUrl?.href,
    ).toBe('http://m:9/x');
    const off = readTelemetryConfig({
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318',
      AIRLOCK_PUSHGATEWAY_URL: 'http://p:9091',
    });
    expect(off.otlpUrl).toBeUndefined();
    expect(off.pushgatewayUrl).toBeUndefined();
  });

  it('refuses non-http schemes and bad timeouts with warnings, never an exception', () => {
    const c = readTelemetryConfig({
      AIRLOCK_PUSHGATEWAY_URL: 'file:///etc/passwd',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url',
      AIRLOCK_TELEMETRY_TIMEOUT_MS: '999999',
    });
    expect(c.pushgatewayUrl).toBeUndefined();
    expect(c.otlpUrl).toBeUndefined();
    expect(c.timeoutMs).toBe(5000);
    expect(c.warnings.map((w) => w.target).sort()).toEqual(['config', 'otlp', 'pushgateway']);
  });

  it('takes the instance from the caller, then AIRLOCK_METRICS_INSTANCE, then GITHUB_REPOSITORY', () => {
    expect(readTelemetryConfig({ GITHUB_REPOSITORY: 'o/r' }).instance).toBe('o/r');
    expect(readTelemetryConfig({ GITHUB_REPOSITORY: 'o/r', AIRLOCK_METRICS_INSTANCE: 'i' }).instance).toBe(
      'i',
    );
    expect(readTelemetryConfig({ AIRLOCK_METRICS_INSTANCE: 'i' }, { instance: 'x' }).instance).toBe('x');
  });

  it('keeps Pushgateway groups 2 h by default and never less than the longest alert window (1 h)', () => {
    expect(readTelemetryConfig({}).retentionSeconds).toBe(7200);
    expect(readTelemetryConfig({ AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES: '60' }).retentionSeconds).toBe(3600);
    for (const bad of ['59', '10081', '90.5', 'two hours']) {
      const c = readTelemetryConfig({ AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES: bad });
      expect(c.retentionSeconds).toBe(7200);
      expect(c.warnings.map((w) => w.message).join()).toContain('AIRLOCK_PUSHGATEWAY_RETENTION_MINUTES');
    }
  });
});

describe('Pushgateway group URL', () => {
  it('base64url-encodes the grouping key so a slash or hostile text cannot change the path', () => {
    const u = groupUrl(new URL('http://user:pw@gw:9091/prefix/?q=1'), [
      ['job', 'airlock'],
      ['instance', 'owner/repo/../../x?y'],
      ['run_id', '42-1-ab'],
      ['empty', ''],
    ]);
    expect(u.username).toBe('');
    expect(u.password).toBe('');
    expect(u.search).toBe('');
    const parts = u.pathname.split('/');
    expect(parts.slice(0, 6)).toEqual([
      '',
      'prefix',
      'metrics',
      'job@base64',
      'YWlybG9jaw',
      'instance@base64',
    ]);
    expect(Buffer.from(parts[6]!, 'base64url').toString()).toBe('owner/repo/../../x?y');
    expect(parts.slice(7)).toEqual([
      'run_id@base64',
      Buffer.from('42-1-ab').toString('base64url'),
      'empty@base64',
      '=',
    ]);
  });

  it('keeps credentials and query strings out of logs', () => {
    expect(redactUrl(new URL('https://u:secret@gw:9091/p?token=t'))).toBe('https://gw:9091/p');
  });
});
