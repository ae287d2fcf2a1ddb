// `rca-bot flame <file> -o out.png|out.html [--sample-index T] [--base F]`.
import { writeFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import { UserError } from '../errors.js';
import { diffTree } from '../profile/diff.js';
import { emptyNote, kindLabel, profileKind } from '../profile/kind.js';
import { resolveSampleIndex } from '../profile/top.js';
import { callTree } from '../profile/tree.js';
import { renderDiffFlamePng, renderFlameHtml, renderFlamePng } from '../render/index.js';
import { MIN_FRAME_PX } from '../render/layout.js';
import { PNG_WIDTH } from '../render/flamePng.js';
import { readProfile } from './read.js';
import type { Io } from './io.js';
import { usageOf } from './usage.js';

export async function runFlame(argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      output: { type: 'string', short: 'o' },
      'sample-index': { type: 'string' },
      base: { type: 'string' },
    },
  });
  if (positionals.length !== 1 || !values.output) throw new UserError(`usage: ${usageOf('flame')}`);
  const file = positionals[0];
  const out = values.output;
  const format = extname(out).toLowerCase();
  if (format !== '.png' && format !== '.html') throw new UserError(`${out}: the output must end in .png or .html`);
  const profile = readProfile(file);
  const index = resolveSampleIndex(profile, values['sample-index']);
  if (!index.ok) throw new UserError(`${file}: ${index.error}`);
  const note = emptyNote(profile);
  if (note) io.err(`rca-bot: ${file}: ${note}`);
  const st = profile.sampleTypes[index.value];
  const title = { kind: kindLabel[profileKind(profile)], sampleType: st.type, unit: st.unit, durationNanos: profile.durationNanos };
  let data: Buffer | string;
  if (values.base) {
    const base = readProfile(values.base);
    const diff = diffTree(base, profile, index.value);
    if (!diff.ok) throw new UserError(`${values.base}: ${diff.error}`);
    const t = { ...title, total: diff.value.root.total, baseTotal: diff.value.root.baseTotal };
    data = format === '.png' ? await renderDiffFlamePng(diff.value, { title: t }) : renderFlameHtml(diff.value, { title: t });
  } else {
    // A PNG draws frames under MIN_FRAME_PX only as part of a grey block: their callees need not be built.
    const tree = callTree(profile, index.value, format === '.png' ? { minShare: MIN_FRAME_PX / PNG_WIDTH } : {});
    const t = { ...title, total: tree.root.total };
    data = format === '.png' ? await renderFlamePng(tree, { title: t }) : renderFlameHtml(tree, { title: t });
  }
  try {
    writeFileSync(out, data);
  } catch (e) {
    throw new UserError(`${out}: cannot write (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  io.err(`wrote ${out}`);
  return 0;
}
