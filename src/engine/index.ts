// Public surface of the engine: pure TypeScript, no Node or VS Code imports.
export * from './spec';
export * from './diagnostics';
export * from './rng';
export * from './init';
