// The command-line front of the repo's scripts (bench, demo): parse, print the usage on --help
// (exit 0) or with the error on anything unknown (exit 2, before any work starts).

export function parseCommandLineOrExit<T extends { help: boolean }>(parse: (argv: string[]) => T, usage: string): T {
  let options: T;
  try {
    options = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${usage}`);
    process.exit(2);
  }
  if (options.help) {
    console.log(usage);
    process.exit(0);
  }
  return options;
}
