// The CLI as a shell user runs it: output piped into a reader that stops
// early (`| head`) ends quietly, with no stack trace.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './helpers/shared.js';

describe('rca-bot piped into a reader that stops early', () => {
  it('exits 0 without a word on stderr', async () => {
    // Enough output to outlast the pipe's buffer; the reader takes one chunk and closes it.
    const child = spawn(process.execPath, [join(repoRoot, 'bin/rca-bot.js'), 'traces', '-', '--json'], { stdio: ['pipe', 'pipe', 'pipe'] });
    const spans = Array.from({ length: 20_000 }, (_, i) => ({ traceId: 't1', id: (i + 1).toString(16).padStart(16, '0'), name: `op-${i}`, timestamp: 1_700_000_000_000_000 + i, duration: 10 + i, localEndpoint: { serviceName: `svc-${i % 50}` } }));
    child.stdin.end(JSON.stringify(spans));
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((ok) => child.once('exit', ok));
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });
});
