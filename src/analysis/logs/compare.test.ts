import { describe, expect, it } from 'vitest';
import { compareWindows, severity, type LogWindow } from './compare.js';

const names = ['GET /api ok', 'db timeout after <*>', 'cache refreshed', 'retrying request <*>'];
const text = (id: number) => names[id];

/** A window from [template id, line] pairs repeated. */
function window(parts: [number, string, number][], seconds?: number): LogWindow {
  const ids: number[] = [];
  const lines: string[] = [];
  for (const [id, line, n] of parts) for (let i = 0; i < n; i++) {
    ids.push(id);
    lines.push(line.replace('#', String(i)));
  }
  return { ids, lines, seconds };
}

describe('compareWindows', () => {
  const baseline = window([[0, 'INFO GET /api ok', 500], [2, 'INFO cache refreshed', 20], [3, 'WARN retrying request #', 5]]);

  it('reports a template new in the incident window once, quoting one of its lines verbatim', () => {
    const incident = window([[0, 'INFO GET /api ok', 500], [1, 'ERROR db timeout after #s', 3], [2, 'INFO cache refreshed', 20]]);
    const found = compareWindows(text, baseline, incident);
    expect(found).toHaveLength(1);
    const [f] = found;
    expect(f.kind).toBe('error-burst');
    expect(f.title).toBe('A new error appeared 3 times in the incident window: db timeout after <*>');
    expect(f.evidence).toEqual([{ source: 'logs', summary: expect.stringContaining('e.g. "ERROR db timeout after 0s"') }]);
    expect(f.evidence[0].summary).toMatch(/^3 lines in the incident window \(0\.6% of lines\), 0 in the baseline/);
    expect(f.confidence).toBeGreaterThan(0.5);
  });

  it('reports a template whose rate grew sharply, and not the steady ones', () => {
    const incident = window([[0, 'INFO GET /api ok', 500], [2, 'INFO cache refreshed', 20], [3, 'WARN retrying request #', 200]]);
    const found = compareWindows(text, baseline, incident);
    expect(found).toHaveLength(1);
    expect(found[0].title).toMatch(/^A warning came \d+× as often in the incident window: retrying request <\*>$/);
    expect(found[0].evidence[0].summary).toContain('e.g. "WARN retrying request 0"');
  });

  it('reports nothing when the windows look alike', () => {
    const incident = window([[0, 'INFO GET /api ok', 480], [2, 'INFO cache refreshed', 22], [3, 'WARN retrying request #', 6]]);
    expect(compareWindows(text, baseline, incident)).toEqual([]);
  });

  it('does not call a template new when the baseline is too small to have seen it', () => {
    const tiny = window([[0, 'INFO GET /api ok', 5]]);
    const incident = window([[0, 'INFO GET /api ok', 5000], [1, 'ERROR db timeout after #s', 3]]);
    expect(compareWindows(text, tiny, incident)).toEqual([]);
  });

  it('weighs errors over other lines and uses per-second rates when the windows have lengths', () => {
    const base = window([[0, 'GET /api ok', 600]], 600);
    const incident = window([[0, 'GET /api ok', 60], [1, 'db timeout after #s', 30], [2, 'cache refreshed', 30]], 60);
    const found = compareWindows(text, base, incident);
    expect(found.map((f) => f.title.split(':')[0])).toEqual(['A new error appeared 30 times in the incident window', 'A new log message appeared 30 times in the incident window']);
    expect(found[0].confidence).toBeGreaterThan(found[1].confidence);
    expect(found[0].evidence[0].summary).toBe('30 lines in the incident window (0.5/s), 0 in the baseline (0/s); e.g. "db timeout after 0s"');
  });

  it('reads severity from the level, a level in the line, or error words', () => {
    expect(severity('anything', 'E')).toBe(2);
    expect(severity('anything', 'WARN')).toBe(1);
    expect(severity('level=error msg="x"')).toBe(2);
    expect(severity('{"level":"warn","msg":"slow"}')).toBe(1);
    expect(severity('dial tcp: connection refused')).toBe(2);
    expect(severity('request served', 'INFO')).toBe(0);
  });
});
