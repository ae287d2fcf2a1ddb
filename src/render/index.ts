export { layoutFlame, MAX_ROWS, MIN_FRAME_PX, type FlameLayout, type FlameRect, type LayoutOptions } from './layout.js';
export { renderFlamePng, type FlamePngOptions } from './flamePng.js';
export { renderDiffFlamePng, type DiffCallTree, type DiffFlamePngOptions } from './flameDiffPng.js';
export { renderFlameHtml, type FlameHtmlOptions } from './flameHtml.js';
export { type FlameTitle, type DiffTitle } from './title.js';
