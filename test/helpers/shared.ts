// Where the shared real-world fixtures live (beside the checkout), if they do.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
// test/helpers in the sources; dist/test/helpers when compiled for npm run drill and bench.
export const repoRoot = resolve(here, /[\\/]dist[\\/]test[\\/]helpers$/.test(here) ? '../../..' : '../..');
const dir = resolve(repoRoot, '../shared/fixtures');
export const sharedFixtures: string | undefined = existsSync(dir) ? dir : undefined;

export function fixture(...parts: string[]): string {
  if (!sharedFixtures) throw new Error('shared fixtures are absent');
  return join(sharedFixtures, ...parts);
}

if (!sharedFixtures) console.warn(`skipping tests on shared fixtures: ${dir} is absent`);
