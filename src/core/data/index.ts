/** Dataset formats, built-in datasets, splits and batching. */
export * from './npy';
export * from './idx';
export * from './dataset';
export * from './builtin';
