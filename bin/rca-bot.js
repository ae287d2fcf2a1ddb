#!/usr/bin/env node
// The OpenTelemetry SDK starts before the command's modules load (only when OTEL_* asks for export),
// so the libraries they import are instrumented. Reading local files (top, flame) needs none.
const [command] = process.argv.slice(2);
const offline = new Set(['top', 'flame', 'help', '--help', '-h', undefined]);
const tracing = offline.has(command) ? undefined : await (await import('../dist/src/telemetry/tracing.js')).startTracing({ hook: true });
const { main } = await import('../dist/src/cli/main.js');

process.exitCode = await main(process.argv.slice(2));
await tracing?.shutdown();
