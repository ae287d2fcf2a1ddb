import { createCanvas, loadImage } from 'canvas';
import { describe, expect, it } from 'vitest';
import { syntheticIncidents } from '../../test/bench/digest.js';
import { digest, type Digest } from '../incidents/digest.js';
import { CAUSE_COLORS, digestSpec, renderDigestPng, TOP_SERVICES } from './charts.js';

const DAY = 86_400_000;
const start = Date.UTC(2025, 0, 6);

function pngSize(png: Buffer): { width: number; height: number } {
  expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  expect(png.subarray(12, 16).toString('latin1')).toBe('IHDR');
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) };
}

/** How many pixels have exactly this colour. */
async function countColor(png: Buffer, hex: string): Promise<number> {
  const img = await loadImage(png);
  const ctx = createCanvas(img.width, img.height).getContext('2d');
  ctx.drawImage(img, 0, 0);
  const px = ctx.getImageData(0, 0, img.width, img.height).data;
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  let n = 0;
  for (let i = 0; i < px.length; i += 4) if (px[i] === r && px[i + 1] === g && px[i + 2] === b) n++;
  return n;
}

function digestOf(n: number, days: number, seed = 1): Digest {
  return digest(syntheticIncidents(n, days, seed, start), { start: new Date(start), end: new Date(start + days * DAY) }, syntheticIncidents(n, days, seed + 1, start - days * DAY));
}

// The image is 900 CSS pixels wide, give or take what the labels measure, at scale 2.
const expectWidth = (width: number) => expect(Math.abs(width - 1800)).toBeLessThan(60);

describe('renderDigestPng', () => {
  it('draws one incident', async () => {
    const d = digestOf(1, 7);
    expect(d.count).toBe(1);
    const png = await renderDigestPng(d);
    const { width, height } = pngSize(png);
    expectWidth(width);
    expect(height).toBeGreaterThan(1200);
    expect(height).toBeLessThan(2400);
    // Its one cause is drawn as a bar.
    const cause = d.causeTotals[0].cause as keyof typeof CAUSE_COLORS;
    expect(await countColor(png, CAUSE_COLORS[cause])).toBeGreaterThan(1000);
  });

  it('draws 500 incidents over 90 days at the same width, the services cut to the top 12 and "others"', async () => {
    const d = digestOf(500, 90);
    expect(d.count).toBe(500);
    expect(d.weeks).toHaveLength(13);
    expect(d.services.length).toBeGreaterThan(TOP_SERVICES);
    const png = await renderDigestPng(d);
    const { width, height } = pngSize(png);
    expectWidth(width);
    expect(height).toBeGreaterThan(1800);
    expect(height).toBeLessThan(3000);

    const spec = JSON.stringify(digestSpec(d));
    expect(spec).toContain(`"others (${d.services.length - TOP_SERVICES} services)"`);
    // 13 week labels in ~500 px are turned so they do not overlap.
    expect(spec).toContain('"labelAngle":-45');
  });

  it('draws a period without incidents, and one without resolved incidents, saying so', async () => {
    const period = { start: new Date(start), end: new Date(start + 30 * DAY) };
    const none = digest([], period, []);
    expect(JSON.stringify(digestSpec(none))).toContain('No incidents in this period.');
    expectWidth(pngSize(await renderDigestPng(none)).width);

    const open = syntheticIncidents(3, 30, 5, start).map((i) => ({ ...i, timeline: i.timeline.filter((e) => e.type !== 'resolved') }));
    const unresolved = digest(open, period, []);
    expect(unresolved).toMatchObject({ count: 3, resolved: 0 });
    expect(JSON.stringify(digestSpec(unresolved))).toContain('No resolved incidents in this period, so no MTTR.');
    expectWidth(pngSize(await renderDigestPng(unresolved)).width);
  });

  it('keeps its width with a very long service name and a year of weeks', async () => {
    const incidents = syntheticIncidents(300, 365, 7, start);
    incidents[0] = { ...incidents[0], service: 'a-service-name-far-too-long-for-any-axis-'.repeat(5) };
    const d = digest(incidents, { start: new Date(start), end: new Date(start + 365 * DAY) }, []);
    expect(d.weeks.length).toBeGreaterThanOrEqual(53);
    const png = await renderDigestPng(d, { scale: 1 });
    expect(Math.abs(pngSize(png).width - 900)).toBeLessThan(30);
  });
});
