/** A problem found in a network file, located by JSON path and (when the text is known) by line and column. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** JSON path of the offending value, e.g. `layers[2].activation` (empty for the whole document). */
  path: string;
  /** What is wrong and what would be right, without the path. */
  message: string;
  /** The file the diagnostic is about (the network file, or a CSV it names). */
  file?: string;
  /** 0-based character offset and length in the file's text, when known. */
  offset?: number;
  length?: number;
  /** 1-based line and column, when known. */
  line?: number;
  column?: number;
}

/** `file:line:column: error: path: message` — the one-line form used by the CLI and logs. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.file ? `${d.file}${d.line !== undefined ? `:${d.line}:${d.column ?? 1}` : ''}: ` : '';
  const path = d.path ? `${d.path}: ` : '';
  return `${where}${d.severity}: ${path}${d.message}`;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}
