// Where the shared real-world fixtures live (beside the checkout), if they do.
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const dir = resolve(repoRoot, '../shared/fixtures');
export const sharedFixtures: string | undefined = existsSync(dir) ? dir : undefined;

export function fixture(...parts: string[]): string {
  if (!sharedFixtures) throw new Error('shared fixtures are absent');
  return join(sharedFixtures, ...parts);
}

if (!sharedFixtures) console.warn(`skipping tests on shared fixtures: ${dir} is absent`);
