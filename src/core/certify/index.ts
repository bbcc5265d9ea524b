export { computeBounds, inputBox, type BoundMethod, type BoundOptions, type SpecBounds } from './bounds';
export { BoundGraph } from './graph';
export { marginSpec, identitySpec, worstCaseLogits, minMargin } from './spec';
export { CERTIFY_METHODS, certifyBatch, certifierAsAttack, marginLowerBounds, summarizeMargins, type CertifyMethod, type MarginSummary } from './certify';
export { OPERATORS } from './operators';
export type { Box, BoundOp, BoundMode } from './types';
