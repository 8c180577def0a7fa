/**
 * backprop-stepper: the headless command line (validate, train, trace, gradcheck).
 * Every failure is one line on stderr and an exit code (see HELP); never a stack trace.
 */
import { CliError, HELP, parseArgs } from './args';
import { exportCommand } from './export';
import { gradcheckCommand } from './gradcheck';
import { gradeCommand } from './grade';
import { traceCommand } from './trace';
import { trainCommand } from './train';
import { validateCommand } from './validate';
import { VERSION } from './version';

const PREFIX = 'backprop-stepper';

function writeLine(stream: NodeJS.WriteStream, line: string): void {
  try {
    stream.write(line + '\n');
  } catch {
    // The reader is gone; nothing sensible is left to do with this line.
  }
}

const out = (line: string) => writeLine(process.stdout, line);
const err = (line: string) => writeLine(process.stderr, line);

function internalError(e: unknown): number {
  const what = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  err(`${PREFIX}: internal error: ${what.split('\n')[0]} — please report it (with the network file) to the Backprop Stepper issue tracker`);
  return 70;
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const parsed = parseArgs(argv);
    switch (parsed.kind) {
      case 'help':
        out(HELP.trimEnd());
        return 0;
      case 'version':
        out(`${PREFIX} ${VERSION}`);
        return 0;
      case 'grade':
        return await gradeCommand(parsed.file, parsed.answers, parsed.json, out, err);
      case 'export':
        return await exportCommand(parsed.file, parsed.format, parsed.out, parsed.options, out, err);
      case 'run':
        switch (parsed.command) {
          case 'validate':
            return await validateCommand(parsed.file, out);
          case 'train':
            return await trainCommand(parsed.file, parsed.options, err);
          case 'trace':
            return await traceCommand(parsed.file, parsed.options, err);
          case 'gradcheck':
            return await gradcheckCommand(parsed.file, parsed.options, out, err);
        }
    }
  } catch (e) {
    if (e instanceof CliError) {
      err(`${PREFIX}: ${e.message}`);
      return e.code;
    }
    return internalError(e);
  }
}

// Output streams closed by the reader (`| head`) end the program quietly.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (e: { code?: string }) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') process.exit(process.exitCode ?? 0);
  });
}
process.on('uncaughtException', (e) => {
  process.exitCode = internalError(e);
  process.exit();
});
process.on('unhandledRejection', (e) => {
  process.exitCode = internalError(e);
  process.exit();
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.exitCode = internalError(e);
  },
);
