/** Personal-data detectors live in @mlship/core (every package masks with them); data re-exports them. */
export { describePiiCounts, detectPii, ibanValid, luhnValid, PII_DETECTORS, type PiiCounts, type PiiDetector } from '@mlship/core';
