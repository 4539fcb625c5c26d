import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isExportConfigured } from './sdk.ts';

describe('isExportConfigured', () => {
  it('is off when no exporter or endpoint is named', () => {
    assert.equal(isExportConfigured({}), false);
    assert.equal(isExportConfigured({ OTEL_SERVICE_NAME: 'zajoni-relay' }), false);
    assert.equal(isExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: '  ' }), false);
  });

  it('is on for an exporter, a general endpoint or a traces endpoint', () => {
    assert.equal(isExportConfigured({ OTEL_TRACES_EXPORTER: 'console' }), true);
    assert.equal(isExportConfigured({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318' }), true);
    const traces = { OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://c:4318/v1/traces' };
    assert.equal(isExportConfigured(traces), true);
  });
});
