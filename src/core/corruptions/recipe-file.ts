/**
 * Recipe files: the JSON a person writes for `robustlab corrupt --recipe FILE` — either
 * `{"steps": [...], "seed": 0}` or an object holding such a recipe under "recipe" (a dataset's
 * stored record). Read with a bound (a regular file of at most 1 MiB), parsed without quoting the
 * file in messages, and checked against the recipe schema; the corruption rules themselves are
 * checked by `resolveRecipe` when the recipe meets a dataset.
 *
 * Runs in: Node (core).
 */
import { LabError } from '../../shared/errors';
import { RecipeSchema, type Recipe } from '../../shared/schemas';
import { describeZodIssues } from '../../shared/validation';
import { readFileBounded } from '../data/fsutil';

/** A recipe of 50 steps with matrices fits easily; anything larger is not a recipe file. */
export const MAX_RECIPE_BYTES = 1024 * 1024;

const EXAMPLE = '{"steps": [{"corruption": "gaussian_noise", "severity": 3}], "seed": 0}';

/** Parses recipe JSON text; every problem is a LabError('bad_file') starting with `what`. */
export function parseRecipeText(text: string, what: string): Recipe {
  if (text.length > MAX_RECIPE_BYTES) {
    throw new LabError('bad_file', `${what} is larger than 1 MiB, far more than a recipe needs; give a JSON file like ${EXAMPLE}.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    // Only the position: the engine's message quotes the text itself.
    const at = /position (\d+)/.exec(err instanceof Error ? err.message : '')?.[1];
    throw new LabError('bad_file', `${what} is not valid JSON${at ? ` (at character ${at})` : ''}; give a JSON file like ${EXAMPLE}.`);
  }
  let candidate: unknown = parsed;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed) && !('steps' in parsed) && 'recipe' in parsed) {
    candidate = (parsed as { recipe: unknown }).recipe;
  }
  if (!candidate || typeof candidate !== 'object' || Array.isArray(candidate) || !Array.isArray((candidate as { steps?: unknown }).steps)) {
    throw new LabError('bad_file', `${what} has no "steps" list; give a JSON file like ${EXAMPLE}.`);
  }
  const r = RecipeSchema.safeParse(candidate);
  if (!r.success) throw new LabError('bad_file', `${what}: ${describeZodIssues(r.error.issues)}`);
  return r.data;
}

/** Reads and parses a recipe file a person pointed at (see parseRecipeText). */
export function readRecipeFile(path: string, what = `Recipe file "${path}"`): Recipe {
  const bytes = readFileBounded(path, what, MAX_RECIPE_BYTES);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new LabError('bad_file', `${what} is not UTF-8 text; give a JSON file like ${EXAMPLE}.`);
  }
  return parseRecipeText(text, what);
}
