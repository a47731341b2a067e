import type { DocumentStore } from '../storage/documents.js';
import { builtinTemplate, builtinTemplates } from './defaults.js';
import type { Template } from './template.js';

export interface TemplateDocument {
  id: string;
  type: 'template';
  template: Template;
  updatedAt: string;
}

/** Templates in the `templates` container (partition /id); the shipped ones stand in where nothing is stored. */
export class TemplateStore {
  constructor(private readonly docs: DocumentStore<TemplateDocument>) {}

  async get(id: string): Promise<{ template: Template; updatedAt: string | null; builtin: boolean } | undefined> {
    const found = await this.docs.get(id, id);
    if (found) return { template: found.value.template, updatedAt: found.value.updatedAt, builtin: false };
    const builtin = builtinTemplate(id);
    return builtin && { template: builtin, updatedAt: null, builtin: true };
  }

  /** Creates or replaces; `created` when nothing was stored under the id before. */
  async put(id: string, template: Template, now: Date): Promise<{ created: boolean }> {
    const existing = await this.docs.get(id, id);
    await this.docs.upsert(id, { id, type: 'template', template, updatedAt: now.toISOString() });
    return { created: existing === undefined };
  }

  /** Stored templates and the shipped ones not overridden, by id. */
  async all(): Promise<Map<string, Template>> {
    const all = new Map<string, Template>(Object.entries(builtinTemplates));
    for (const doc of await this.docs.all({ type: 'template' })) all.set(doc.id, doc.template);
    return all;
  }
}
