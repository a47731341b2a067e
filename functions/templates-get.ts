import { app } from '@azure/functions';
import { jsonResponse } from '../shared/http/problem.js';
import { httpHandler, validateParams } from '../shared/http/request.js';
import { TemplateRouteParams, templateView } from '../shared/templates/api.js';
import { services } from '../shared/services.js';

/** GET /api/templates/{templateId} — a stored template, or the shipped one of that id. */
export const templatesGet = httpHandler(async (request) => {
  const params = validateParams(TemplateRouteParams, request.params);
  if (!params.ok) return params.failure;
  const stored = await services().templates.get(params.value.templateId);
  if (!stored) return { kind: 'not_found', detail: `no template ${params.value.templateId}` };
  return jsonResponse(200, templateView(params.value.templateId, stored));
});

app.http('templates-get', { route: 'templates/{templateId}', methods: ['GET'], authLevel: 'function', handler: templatesGet });
