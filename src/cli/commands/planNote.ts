import { resolve } from 'node:path';
import { resolvePlanModel } from '../../core/plan';

/**
 * The command line prunes and checks the model it is given: a plan's own `model` is never opened here. When the
 * two differ, or when the plan's model is one the editor refuses to follow (outside the plan's folder), the
 * user is told so in one line on stderr, and the command goes on with the model given.
 */
export function planModelNote(planPath: string, planModel: unknown, model: string): string | undefined {
  if (typeof planModel !== 'string' || !planModel) return undefined;
  const resolved = resolvePlanModel(planPath, planModel);
  if (!resolved.ok)
    return `note: ${planPath}: ${resolved.message}. The editor refuses this plan; here ${model} is used, as given.`;
  if (resolved.path !== resolve(model))
    return `note: ${planPath} is for '${planModel}'; ${model} is used, as given.`;
  return undefined;
}
