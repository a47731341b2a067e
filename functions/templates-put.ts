import { jsonResponse } from '../shared/http/problem.js';
import { httpFunction } from '../shared/http/openapi.js';
import { httpHandler, readJson, validateParams } from '../shared/http/request.js';
import { TemplateRouteParams, templateInputExample, templateView, templateViewExample } from '../shared/templates/api.js';
import { Template } from '../shared/templates/template.js';
import { services } from '../shared/services.js';
import { smsTemplateFailure } from '../shared/channels/sms-template.js';

/** PUT /api/templates/{templateId} — create or replace a template (201 / 200); unknown {{variables}} → 400. */
export const templatesPut = httpHandler(async (request) => {
  const params = validateParams(TemplateRouteParams, request.params);
  if (!params.ok) return params.failure;
  const body = await readJson(request, Template);
  if (!body.ok) return body.failure;
  const s = services();
  const tooLong = smsTemplateFailure(body.value, s.runtime.settings.channels.smsMaxSegments);
  if (tooLong) return tooLong;
  const { created } = await s.templates.put(params.value.templateId, body.value, s.runtime.clock.now());
  const stored = (await s.templates.get(params.value.templateId))!;
  return jsonResponse(created ? 201 : 200, templateView(params.value.templateId, stored));
});

httpFunction('templates-put', {
  route: 'templates/{templateId}',
  methods: ['PUT'],
  authLevel: 'function',
  handler: templatesPut,
  doc: {
    summary: 'Create or replace a message template; an unknown {{variable}} is a 400 naming the part',
    tags: ['templates'],
    params: TemplateRouteParams,
    body: { schema: Template, example: templateInputExample },
    responses: {
      200: { description: 'Replaced', example: templateViewExample },
      201: { description: 'Created', example: templateViewExample },
    },
  },
});
