export { validateBatches, rowHashes, type Batch, type CheckResult, type ValidationReport, type ValidateOptions } from './validate.js';
export { renderJunit } from './junit.js';
export { describePiiCounts, detectPii, luhnValid, ibanValid, PII_DETECTORS, type PiiCounts } from './pii.js';
export { hashRow } from '../readers/row-hash.js';
export { renderValidationHtml, type ColumnChart } from './html-report.js';
