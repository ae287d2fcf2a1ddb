// Reading an input file for the CLI, with errors a person can act on.
import { readFileSync } from 'node:fs';
import { fileError, UserError } from '../errors.js';
import { parseProfile } from '../profile/pprof.js';
import type { Profile } from '../profile/model.js';

export function readInput(path: string): Buffer {
  try {
    return path === '-' ? readFileSync(0) : readFileSync(path);
  } catch (e) {
    throw new UserError(`${path}: ${fileError(e)}`);
  }
}

export function readProfile(path: string): Profile {
  const parsed = parseProfile(readInput(path));
  if (!parsed.ok) throw new UserError(`${path}: ${parsed.error}`);
  return parsed.value;
}
