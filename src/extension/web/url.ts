/** Node's `url` module in the web build (see scripts/build.mjs): the WHATWG URL the worker already has. */
export const URL = globalThis.URL;
export const URLSearchParams = globalThis.URLSearchParams;
