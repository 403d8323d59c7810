import { Command } from 'commander';

/** A benchmark's command line: `--json` (one JSON object on the last line) and the benchmark's own options. */
export const benchCommand = (): Command => new Command().option('--json', 'print one JSON object on the last line');
