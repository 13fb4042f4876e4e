// The gate's arithmetic, the report's ratios and wording, and the settings' range checks.
import { buildReport, judgeGate, reportHighlights, reportRows, renderReportMarkdown, type ModelFigures } from './report.js';
import { resolveSettings } from './compress-model.js';

const figures = (bytes: number, accuracy: number, batch64Us: number): ModelFigures => ({
  bytes,
  gzipBytes: bytes / 2,
  parameters: 1000,
  nonzeroParameters: bytes === 4000 ? 1000 : 200,
  metrics: { accuracy },
  latency: { batch1: { batch: 1, medianUs: 20, rowsPerSecond: 50_000 }, batch64: { batch: 64, medianUs: batch64Us, rowsPerSecond: 64e6 / batch64Us } },
});

describe('judgeGate', () => {
  it('passes a drop up to the limit and fails one past it, or a metric that is not a number', () => {
    expect(judgeGate('accuracy', 0.98, 0.97, 0.01)).toMatchObject({ passed: true });
    expect(judgeGate('accuracy', 0.98, 0.9699, 0.01)).toMatchObject({ passed: false });
    expect(judgeGate('accuracy', 0.9, 0.95, 0)).toMatchObject({ passed: true });
    expect(judgeGate('accuracy', 0.9, 0.95, 0).drop).toBeCloseTo(-0.05, 12);
    expect(judgeGate('r2', 0.9, Number.NaN, 1)).toMatchObject({ passed: false });
    expect(judgeGate('accuracy', 0.9, 0.9, 0.01, 3)).toMatchObject({ passed: false, nonFiniteOutputs: 3 });
  });
});

describe('buildReport', () => {
  const report = buildReport({
    method: 'prune',
    source: 'models/m:1',
    evaluation: { rows: 10, description: 'ten rows' },
    before: figures(4000, 0.9, 100),
    after: figures(1000, 0.88, 200),
    agreement: 0.9,
    maxAbsDifference: 0.25,
    gate: judgeGate('accuracy', 0.9, 0.88, 0.01),
    details: { layers: [] },
  });

  it('gives before/after ratios, above 1 when smaller or faster', () => {
    expect(report.ratios).toEqual({ bytes: 4, gzipBytes: 4, parameters: 1, nonzeroParameters: 5, batch1Latency: 1, batch64Latency: 0.5 });
    expect(report.gate.passed).toBe(false);
  });

  it('words a change that went the wrong way as such', () => {
    const rows = Object.fromEntries(reportRows(report).map((row) => [row[0], row[3]]));
    expect(rows['file size']).toBe('4.00× smaller');
    expect(rows['latency batch 64 (median)']).toBe('2.00× slower');
    expect(rows.accuracy).toBe('−2.00 points');
    expect(rows.parameters).toBe('same');
    expect(renderReportMarkdown(report, 'models/m-prune')).toContain('**failed**');
    const pruned = { ...report, details: { layers: [{ layer: 'dense_1', sparsity: 0.8 }] } };
    expect(reportHighlights(pruned)).toEqual([['sparsity', 'dense_1 0.800']]);
  });

  it('words a drop of floating-point noise (0.1 + 0.2 against 0.3) as the same, not −0.00 points', () => {
    const noise = { ...report, gate: judgeGate('accuracy', 0.1 + 0.2, 0.3, 0.01) };
    expect(Object.fromEntries(reportRows(noise).map((row) => [row[0], row[3]])).accuracy).toBe('same');
  });
});

describe('resolveSettings', () => {
  it('fills the defaults and refuses values out of range with MLSHIP_E_COMPRESS_OPTIONS', () => {
    expect(resolveSettings().schedule).toEqual({ initialSparsity: 0, finalSparsity: 0.8, beginStep: 0, frequency: 10 });
    expect(resolveSettings({ temperature: 2 }).temperature).toBe(2);
    for (const bad of [{ temperature: 0 }, { alpha: 1.5 }, { schedule: { initialSparsity: 0.5, finalSparsity: 0.4, beginStep: 0, frequency: 1 } }, { schedule: { initialSparsity: 0, finalSparsity: 1, beginStep: 0, frequency: 1 } }, { epochs: 0 }]) {
      expect(() => resolveSettings(bad)).toThrow(expect.objectContaining({ code: 'MLSHIP_E_COMPRESS_OPTIONS' }));
    }
  });
});
