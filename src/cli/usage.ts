// One line of usage per command, shared by the help text and the errors.
export const usages = {
  doctor: 'rca-bot doctor [--json]',
  top: 'rca-bot top <file> [--sample-index <type>] [--cum] [--limit N] [--json]',
  flame: 'rca-bot flame <file> -o <out.png|out.html> [--sample-index <type>] [--base <file>]',
  demo: 'rca-bot demo [--seconds N] [--out <dir>]',
  serve: 'rca-bot serve [--no-workers]',
  worker: 'rca-bot worker',
  logs: 'rca-bot logs <file|-> [--format F] [--baseline <file>] [--json]',
  traces: 'rca-bot traces <file|url|-> [--baseline <file|url>] [--logs <file|->] [--json] [--service S]',
  trace: 'rca-bot trace <file|-> [--json] [--limit N] [--png <timeline.png>] [--pprof net|sync|syscall|sched -o <out.pb.gz>]',
  rank: 'rca-bot rank <case-dir> [--baseline <dir>]... [--json]',
  diagnose: 'rca-bot diagnose <service> | --url <base> [--seconds N | --at <time> [--window 10m] | --since <duration>] [--json] [--out <dir>]',
} as const;

export type CommandName = keyof typeof usages;

export const usageOf = (name: CommandName): string => usages[name];
