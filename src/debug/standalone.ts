/**
 * The debug adapter on its own, over stdio: `node dist/debugAdapter.js`. Any Debug Adapter Protocol
 * client (nvim-dap, Emacs dap-mode, …) can launch it; see docs/debug-adapter.md.
 */
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BackpropDebugSession } from './adapter';
import type { AdapterHost } from './host';

/** `file:///x/y` or a plain path → a local path. */
function localPath(network: string): string {
  return /^file:\/\//i.test(network) ? fileURLToPath(network) : resolve(network);
}

function why(e: unknown): string {
  const code = (e as { code?: string }).code;
  return code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : code === 'EACCES' ? 'permission denied' : e instanceof Error ? e.message : String(e);
}

export const nodeHost: AdapterHost = {
  async readNetwork(network) {
    try {
      return await readFile(localPath(network), 'utf8');
    } catch (e) {
      throw new Error(why(e));
    }
  },
  dataHost(network) {
    const base = dirname(localPath(network));
    return {
      async readText(path: string) {
        try {
          return await readFile(resolve(base, path), 'utf8');
        } catch (e) {
          throw new Error(why(e));
        }
      },
    };
  },
  sourcePath(network) {
    return localPath(network);
  },
};

// Run as a program: serve DAP on stdin/stdout.
if (require.main === module) {
  const session = new BackpropDebugSession(nodeHost);
  process.on('SIGTERM', () => session.shutdown());
  session.start(process.stdin, process.stdout);
}
