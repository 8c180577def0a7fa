/**
 * Command-line parsing: `backprop-stepper <command> <file> [options]`. Every mistake is a `CliError`
 * with exit code 2 and a one-line message; nothing here prints.
 */

/** An error the user can fix: printed as one line (`backprop-stepper: …`), exit with `code`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly code: number = 2,
  ) {
    super(message);
  }
}

export const COMMANDS = ['validate', 'train', 'trace', 'gradcheck', 'grade', 'export', 'help'] as const;
export type Command = (typeof COMMANDS)[number];

export interface Options {
  epochs?: number;
  seed?: number;
  epsilon?: number;
}

type OptionName = keyof Options;

/** Options each command accepts. */
const ACCEPTS: Record<Exclude<Command, 'help' | 'grade' | 'export'>, readonly OptionName[]> = {
  validate: [],
  train: ['epochs', 'seed'],
  trace: ['epochs', 'seed'],
  gradcheck: ['epsilon', 'seed'],
};

export type Parsed =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'run'; command: Exclude<Command, 'help' | 'grade' | 'export'>; file: string; options: Options }
  /** `grade <network-file> <answers.json> [--json]`: its own shape (two files, a flag). */
  | { kind: 'grade'; file: string; answers: string; json: boolean }
  /** `export <file> --format jsonl|csv|network|numpy [--out path] [--epochs N] [--seed S]` (src/cli/export.ts). */
  | { kind: 'export'; file: string; format: ExportFormat; out?: string; options: Options };

export const EXPORT_FORMATS = ['jsonl', 'csv', 'network', 'numpy'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

function parseValue(name: OptionName, raw: string): number {
  const text = raw.trim();
  const value = text === '' ? NaN : Number(text);
  switch (name) {
    case 'epochs':
      if (!Number.isSafeInteger(value) || value < 1) throw new CliError(`--epochs must be a whole number ≥ 1, got "${raw}"`);
      return value;
    case 'seed':
      if (!Number.isSafeInteger(value)) throw new CliError(`--seed must be a whole number, got "${raw}"`);
      return value;
    case 'epsilon':
      if (!Number.isFinite(value) || value <= 0) throw new CliError(`--epsilon must be a positive number such as 1e-6, got "${raw}"`);
      return value;
  }
}

export function parseArgs(argv: readonly string[]): Parsed {
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  if (argv.includes('--version') || argv.includes('-V') || argv.includes('-v')) return { kind: 'version' };
  const positional: string[] = [];
  const options: Options = {};
  let json = false;
  const strings: { format?: string; out?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') {
      json = true;
      continue;
    }
    const text = /^--(format|out)(?:=(.*))?$/.exec(arg);
    if (text) {
      const key = text[1] as 'format' | 'out';
      if (text[2] === undefined && i + 1 >= argv.length) throw new CliError(`option --${key} needs a value`);
      strings[key] = text[2] ?? argv[++i];
      continue;
    }
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      const eq = arg.indexOf('=');
      const flag = eq >= 0 ? arg.slice(0, eq) : arg;
      const name = flag.replace(/^--?/, '') as OptionName;
      const known = (['epochs', 'seed', 'epsilon'] as const).includes(name) && flag.startsWith('--');
      if (!known) throw new CliError(`unknown option "${flag}" (see backprop-stepper --help)`);
      let raw: string;
      if (eq >= 0) raw = arg.slice(eq + 1);
      else {
        if (i + 1 >= argv.length) throw new CliError(`option ${flag} needs a value`);
        raw = argv[++i];
      }
      options[name] = parseValue(name, raw);
      continue;
    }
    positional.push(arg);
  }
  const [first, ...rest] = positional;
  if (first === undefined) throw new CliError('missing command: one of validate, train, trace, gradcheck, grade, export (see backprop-stepper --help)');
  if (first === 'help') return { kind: 'help' };
  if (!(COMMANDS as readonly string[]).includes(first)) {
    throw new CliError(`unknown command "${first}": use validate, train, trace, gradcheck, grade or export (see backprop-stepper --help)`);
  }
  if (first === 'grade') {
    const given = Object.keys(options);
    if (given.length) throw new CliError(`grade does not take --${given[0]} (see backprop-stepper --help)`);
    if (rest.length !== 2) throw new CliError(`grade: expected the network file and the answers file, got ${rest.length === 0 ? 'neither' : rest.length === 1 ? 'only one file' : `${rest.length} files`}; e.g. backprop-stepper grade examples/lab-mazur.backprop.json answers.json`);
    return { kind: 'grade', file: rest[0], answers: rest[1], json };
  }
  if (json) throw new CliError(`${first} does not take --json (only grade does; see backprop-stepper --help)`);
  if (first === 'export') {
    for (const name of Object.keys(options)) if (name !== 'epochs' && name !== 'seed') throw new CliError(`export does not take --${name} (see backprop-stepper --help)`);
    if (rest.length !== 1) throw new CliError(`export: expected one network file, e.g. backprop-stepper export examples/mazur.backprop.json --format numpy`);
    const format = strings.format;
    if (format === undefined) throw new CliError('export: say what to write with --format jsonl, csv, network or numpy');
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new CliError(`export: --format must be jsonl, csv, network or numpy, got "${format}"`);
    if (strings.out === '') throw new CliError('export: --out needs a path');
    return { kind: 'export', file: rest[0], format: format as ExportFormat, ...(strings.out !== undefined ? { out: strings.out } : {}), options };
  }
  if (strings.format !== undefined || strings.out !== undefined) throw new CliError(`${first} does not take --${strings.format !== undefined ? 'format' : 'out'} (only export does; see backprop-stepper --help)`);
  const command = first as Exclude<Command, 'help' | 'grade' | 'export'>;
  for (const name of Object.keys(options) as OptionName[]) {
    if (!ACCEPTS[command].includes(name)) throw new CliError(`${command} does not take --${name} (see backprop-stepper --help)`);
  }
  if (rest.length === 0) throw new CliError(`${command}: missing the network file, e.g. backprop-stepper ${command} examples/mazur.backprop.json`);
  if (rest.length > 1) throw new CliError(`${command}: expected one network file, got ${rest.length}: ${rest.map((r) => `"${r}"`).join(' ')}`);
  return { kind: 'run', command, file: rest[0], options };
}

export const HELP = `backprop-stepper — train neural-network files (*.backprop.json) headlessly

Usage:
  backprop-stepper validate <file>                      check the file; print each problem as file:line:col
  backprop-stepper train <file> [--epochs N] [--seed S] train; one line per epoch (progress bar on a terminal)
  backprop-stepper trace <file> [--epochs N] [--seed S] every micro-step as JSON Lines (see docs/trace-format.md)
  backprop-stepper gradcheck <file> [--epsilon E] [--seed S]
                                                        backprop vs central differences on the first mini-batch
  backprop-stepper grade <file> <answers.json> [--json]
                                                        grade a lab's answers against the engine (see docs/labs.md)
  backprop-stepper export <file> --format jsonl|csv|network|numpy [--out PATH] [--epochs N] [--seed S]
                                                        the trace as JSON Lines or CSV files, the trained
                                                        network file, or a NumPy script (see docs/exports.md)
  backprop-stepper --help | --version

Options:
  --epochs N    train for N epochs instead of the file's training.epochs
  --seed S      use seed S instead of the file's seed (initialization, shuffling, dropout, synthetic data)
  --epsilon E   finite-difference step of gradcheck (default 1e-6)
  --json        grade: one JSON object (per-question results and the score) instead of the table
  --format F    export: jsonl (stdout by default), csv (a folder of CSV files, one per quantity),
                network (the trained *.backprop.json), numpy (a standalone Python script)
  --out PATH    export: where to write (default: stdout for jsonl, else beside the network file)

Exit codes:
  0 success · 1 the file has errors (or gradcheck failed, or grade found a wrong or missing answer)
  2 usage error or unreadable file (or a malformed answers file)
  3 training stopped on a NaN/Infinity · 70 internal error (please report) · 74 cannot write the output
`;
