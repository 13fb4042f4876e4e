/** Personal-data detectors live in @mlship/core (every package masks with them); data re-exports them. */
export { detectPii, ibanValid, luhnValid, PII_DETECTORS, type PiiDetector } from '@mlship/core';
