import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { TemplateRouteParams, templateView, templateViewExample } from '../shared/templates/api.js';
import { services } from '../shared/services.js';

/** GET /api/templates/{templateId} — a stored template, or the shipped one of that id. */
export const templatesGet = httpHandler(async (request) => {
  const params = validateParams(TemplateRouteParams, request.params);
  if (!params.ok) return params.failure;
  const stored = await services().templates.get(params.value.templateId);
  if (!stored) return { kind: 'not_found', detail: `no template ${params.value.templateId}` };
  return jsonResponse(200, templateView(params.value.templateId, stored));
});

httpFunction('templates-get', {
  route: 'templates/{templateId}',
  methods: ['GET'],
  authLevel: 'function',
  handler: templatesGet,
  doc: {
    summary: 'A message template (stored, or the shipped one of that id) with the variables it uses',
    tags: ['templates'],
    params: TemplateRouteParams,
    responses: { 200: { description: 'The template; `builtin` is true for a shipped one never overridden (then `updatedAt` is null)', example: templateViewExample } },
    errors: { 404: 'No such template' },
  },
});
