// Public surface of the engine: pure TypeScript, no Node or VS Code imports.
export * from './spec';
export * from './diagnostics';
export * from './rng';
export * from './init';
export * from './activations';
export * from './kernels';
export * from './optimizers';
export * from './network';
export * from './trainer';
export * from './gradcheck';
export * from './data';
export * from './stepper';
export * from './memory';
export * from './validate';
export * from './resolve';
export * from './expm';
export * from './series';
