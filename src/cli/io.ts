// Where the CLI writes, so tests can run commands in-process.
export interface Io {
  out(line: string): void;
  err(line: string): void;
}

// `rca-bot top big.pprof | head` closes the pipe early: that is the reader's choice, not an error to print.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

export const processIo: Io = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};
