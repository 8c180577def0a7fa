// Browser stand-in for Node's `url` module: @vscode/debugadapter only uses `new URL(…)`, which browsers have.
export const URL = globalThis.URL;
