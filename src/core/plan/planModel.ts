import { existsSync, realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';

/** Where a plan's `model` leads: the file, or why it may not be followed. */
export type PlanModel =
  { readonly ok: true; readonly path: string } | { readonly ok: false; readonly message: string };

/**
 * The model a plan names. The rule: `model` is a path relative to the plan's folder, and the model must lie in
 * that folder or below it, also once symbolic links are followed. The editor opens a plan's model on its own,
 * just because the plan is open; a plan is a file anyone can hand over (in a repository, a download), so it
 * must not make the editor read files elsewhere on the machine (the same rule as external data). Absolute
 * paths, `..` that climbs out and links that lead out are refused with a sentence saying so.
 */
export function resolvePlanModel(planPath: string, model: string): PlanModel {
  const refuse = (why: string): PlanModel => ({
    ok: false,
    message: `the plan's model '${model}' ${why}: a plan may only name a model in its own folder or below it`,
  });
  if (model.includes('\0')) return refuse('contains a NUL character');
  if (isAbsolute(model) || /^[A-Za-z]:/.test(model) || model.startsWith('\\'))
    return refuse("is an absolute path (write it relative to the plan's folder)");
  const planDir = dirname(resolve(planPath));
  const path = resolve(planDir, model);
  if (!inside(planDir, path)) return refuse("is outside the plan's folder");
  if (existsSync(path) && existsSync(planDir) && !inside(realpathSync(planDir), realpathSync(path)))
    return refuse("is a link that leads outside the plan's folder");
  return { ok: true, path };
}

function inside(dir: string, path: string): boolean {
  const rel = relative(dir, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
