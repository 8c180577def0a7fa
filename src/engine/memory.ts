/**
 * Where the engine's numbers live. A model and its batch workspaces are allocated together in one
 * `Arena`: a WebAssembly memory when WebAssembly SIMD is available (so the SIMD kernel works on the
 * Float64Arrays in place, with no copies), or ordinary ArrayBuffers otherwise. Allocation happens
 * once, at construction; a memory that grew would detach every view, so arenas never grow: a
 * workspace that does not fit is placed on the JavaScript heap and runs the JavaScript kernels.
 */
import { KERNELS_WASM_BASE64 } from './wasm/kernels.wasm';

export interface WasmKernels {
  /** Copy B (element (p, j) at B + 8·(p·sbp + j·sbj), p < k, j < n) into column panels at P. */
  pack(B: number, sbp: number, sbj: number, k: number, n: number, P: number): void;
  /** C[i,j] = scale·(Σ_p A[i·sai + p·sap]·B[p, j] [+ bias[j]]) with B packed at P; pointers in bytes. */
  gemm(m: number, n: number, k: number, A: number, sai: number, sap: number, P: number, C: number, bias: number, hasBias: number, scale: number): void;
  /** S = 1 / (1 + e^(−Y)) over n elements (e^x as expPoly in expm.ts). */
  sigmoid(Y: number, S: number, n: number): void;
  /** X = e^X in place over n elements. */
  exp(X: number, n: number): void;
  /** Σ X[i]² over n elements (the order of sumSquares in kernels.ts). */
  sumsq(X: number, n: number): number;
  /** Y = Y − a·X over n elements. */
  axmy(a: number, X: number, Y: number, n: number): void;
}

let compiled: WebAssembly.Module | null | undefined;

/** Bytes of a base64 string (atob is global in Node 16+, browsers and workers). */
function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The compiled kernel module, or null where WebAssembly SIMD is unavailable (or disabled). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled !== undefined) return compiled;
  compiled = null;
  try {
    const g = globalThis as { WebAssembly?: typeof WebAssembly; process?: { env?: Record<string, string | undefined> } };
    if (g.process?.env?.BACKPROP_NO_WASM === '1' || typeof g.WebAssembly !== 'object') return compiled;
    const bytes = decodeBase64(KERNELS_WASM_BASE64);
    if (WebAssembly.validate(bytes)) compiled = new WebAssembly.Module(bytes);
  } catch {
    compiled = null;
  }
  return compiled;
}

/** Is the WebAssembly SIMD kernel in use on this platform? */
export function wasmAvailable(): boolean {
  return kernelModule() !== null;
}

const ALIGN = 16;

export class Arena {
  readonly buffer: ArrayBufferLike;
  readonly wasm: WasmKernels | null;
  private top = 0;

  constructor(bytes: number, useWasm = true) {
    const mod = useWasm ? kernelModule() : null;
    let wasm: WasmKernels | null = null;
    let buffer: ArrayBufferLike | null = null;
    const pages = Math.ceil(Math.max(bytes, 1) / 65536);
    if (mod && pages <= 32768) {
      try {
        const memory = new WebAssembly.Memory({ initial: pages });
        const instance = new WebAssembly.Instance(mod, { env: { memory } });
        wasm = instance.exports as unknown as WasmKernels;
        buffer = memory.buffer;
      } catch {
        wasm = null;
      }
    }
    this.wasm = wasm;
    this.buffer = buffer ?? new ArrayBuffer(Math.max(bytes, 0));
  }

  /** A zeroed Float64Array of n elements in this arena, or on the heap when the arena is full. */
  f64(n: number): Float64Array {
    const bytes = n * 8;
    if (this.top + bytes <= this.buffer.byteLength) {
      const view = new Float64Array(this.buffer, this.top, n);
      this.top += Math.ceil(bytes / ALIGN) * ALIGN;
      return view;
    }
    return new Float64Array(n);
  }

  /** Do all these arrays live in this arena's WebAssembly memory? */
  holds(...arrays: Float64Array[]): boolean {
    if (!this.wasm) return false;
    for (const a of arrays) if (a.buffer !== this.buffer) return false;
    return true;
  }
}

/** Bytes that `f64` calls of these sizes take in an arena. */
export function arenaBytes(sizes: number[]): number {
  let total = 0;
  for (const n of sizes) total += Math.ceil((n * 8) / ALIGN) * ALIGN;
  return total;
}
