import { z } from 'zod';
import { TemplateId, templateVariables, type Template } from './template.js';

export const TemplateRouteParams = z.object({ templateId: TemplateId });

export function templateView(id: string, stored: { template: Template; updatedAt: string | null; builtin: boolean }) {
  return { templateId: id, builtin: stored.builtin, updatedAt: stored.updatedAt, variables: [...templateVariables(stored.template).keys()].sort(), ...stored.template };
}
