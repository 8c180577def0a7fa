/**
 * Reading a network file from disk and resolving it (with an optional seed override), for every command.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { formatDiagnostic, hasErrors, loadNetwork, type DataHost, type Diagnostic, type NetworkFile, type ResolvedNetwork } from '../engine';
import { CliError } from './args';

interface ErrnoLike {
  code?: string;
  message?: string;
}

/** Why a file could not be read, in a few words. */
export function readFailure(e: unknown): string {
  const err = e as ErrnoLike;
  switch (err.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EISDIR':
      return 'it is a directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a part of the path is not a directory';
    case 'ELOOP':
      return 'too many symbolic links';
    default:
      return err.message ?? String(e);
  }
}

export async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read "${path}": ${readFailure(e)}`);
  }
}

/** Reads the files a network file names (CSV data) relative to the network file's folder. */
export function nodeDataHost(networkPath: string): DataHost {
  const base = dirname(resolve(networkPath));
  return {
    async readText(path: string): Promise<string> {
      try {
        return await readFile(resolve(base, path), 'utf8');
      } catch (e) {
        throw new Error(readFailure(e));
      }
    },
  };
}

export interface Loaded {
  path: string;
  text: string;
  file?: NetworkFile;
  network?: ResolvedNetwork;
  /** Diagnostics of the file as written (line numbers refer to it). */
  diagnostics: Diagnostic[];
}

/** Reads and resolves a network file; `seed` overrides the file's seed (initialization, shuffling, dropout, data). */
export async function loadFile(path: string, seed?: number): Promise<Loaded> {
  const text = await readText(path);
  const result = await loadNetwork(text, path, nodeDataHost(path), seed === undefined ? {} : { seed });
  const loaded: Loaded = { path, text, diagnostics: result.diagnostics };
  if (result.file) loaded.file = result.file;
  if (result.network) loaded.network = result.network;
  return loaded;
}

/** Prints diagnostics (to stderr for the commands whose stdout is data) and fails on errors. */
export function reportAndCheck(loaded: Loaded, write: (line: string) => void): ResolvedNetwork | null {
  for (const d of loaded.diagnostics) write(formatDiagnostic(d));
  if (!loaded.network || hasErrors(loaded.diagnostics)) {
    const n = loaded.diagnostics.filter((d) => d.severity === 'error').length;
    write(`${loaded.path}: ${n === 1 ? '1 error' : `${n} errors`}; fix ${n === 1 ? 'it' : 'them'} first (backprop-stepper validate ${loaded.path})`);
    return null;
  }
  return loaded.network;
}
