/** `validate <file>`: every diagnostic as `file:line:col: severity: path: message`, then a summary line. */
import { formatDiagnostic } from '../engine';
import { networkLine } from './describe';
import { loadFile } from './load';
import { plural } from './output';

export async function validateCommand(path: string, print: (line: string) => void): Promise<number> {
  const loaded = await loadFile(path);
  for (const d of loaded.diagnostics) print(formatDiagnostic(d));
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  const warnings = loaded.diagnostics.length - errors;
  if (errors > 0 || !loaded.network) {
    print(`${path}: ${plural(Math.max(errors, 1), 'error')}${warnings ? `, ${plural(warnings, 'warning')}` : ''}`);
    return 1;
  }
  print(`${path}: valid${warnings ? ` with ${plural(warnings, 'warning')}` : ', no problems'} — ${networkLine(loaded.network, loaded.network.training.epochs)}`);
  return 0;
}
