import { smsTemplateProblems } from '../channels/sms-template.js';
import type { FieldError } from '../http/problem.js';
import { toPointer } from '../http/problem.js';
import { couponVariables, customerVariables, eventPrefix, isKnownVariable, templateVariables, type Template } from '../templates/template.js';
import { successors, triggerCoupon, type JourneyDefinition, type Step } from './definition.js';

/** What validation needs to know beyond the definition itself. */
export interface JourneyCatalog {
  template(id: string): Template | undefined;
  offerExists(id: string): boolean;
  /** SMS segments a message may take (SMS_MAX_SEGMENTS): an SMS step's template must fit. */
  smsMaxSegments: number;
}

/**
 * The checks a schema cannot make: step targets exist, every cycle passes a wait (otherwise one delivery
 * would loop forever), templates and offers exist, each template variable can be filled by its step, and an
 * SMS step's template fits the SMS segment limit (a template without an SMS part sends its text by SMS).
 * Each problem names the field as a JSON pointer into the PUT body.
 */
export function validateJourney(definition: JourneyDefinition, catalog: JourneyCatalog): FieldError[] {
  const errors: FieldError[] = [];
  const armNames = new Set<string>();
  definition.experiment.arms.forEach((arm, a) => {
    const at = (...path: (string | number)[]) => toPointer(['experiment', 'arms', a, ...path]);
    if (armNames.has(arm.name)) errors.push({ pointer: at('name'), message: `arm "${arm.name}" appears twice` });
    armNames.add(arm.name);
    const index = new Map<string, number>();
    arm.steps.forEach((step, s) => {
      if (index.has(step.id)) errors.push({ pointer: at('steps', s, 'id'), message: `step id "${step.id}" appears twice in this arm` });
      else index.set(step.id, s);
    });
    const target = (s: number, field: string, id: string | undefined) => {
      if (id !== undefined && !index.has(id)) errors.push({ pointer: at('steps', s, field), message: `no step "${id}" in arm "${arm.name}"` });
    };
    arm.steps.forEach((step, s) => {
      switch (step.type) {
        case 'send':
          target(s, 'next', step.next);
          checkSend(definition, arm.steps, index, step, (field, message) => errors.push({ pointer: at('steps', s, field), message }), catalog);
          break;
        case 'issueCoupon':
          target(s, 'next', step.next);
          if (!catalog.offerExists(step.offer)) errors.push({ pointer: at('steps', s, 'offer'), message: `no offer "${step.offer}"` });
          break;
        case 'wait':
          target(s, 'next', step.next);
          break;
        case 'branch':
          target(s, 'then', step.then);
          target(s, 'else', step.else);
          if (step.condition.type === 'couponRedeemed') {
            const ref = index.get(step.condition.step);
            if (ref === undefined) errors.push({ pointer: at('steps', s, 'condition', 'step'), message: `no step "${step.condition.step}" in arm "${arm.name}"` });
            else if (arm.steps[ref]!.type !== 'issueCoupon') errors.push({ pointer: at('steps', s, 'condition', 'step'), message: `step "${step.condition.step}" is not an issueCoupon step` });
          }
          break;
        case 'exit':
        case 'markDormant':
          break;
        default: {
          const exhaustive: never = step;
          return exhaustive;
        }
      }
    });
    if (errors.length === 0) {
      const cycle = cycleWithoutWait(arm.steps);
      if (cycle !== undefined) errors.push({ pointer: at('steps', cycle.index), message: `steps ${cycle.path.join(' → ')} form a cycle without a wait step` });
    }
  });
  return errors;
}

function checkSend(
  definition: JourneyDefinition,
  steps: readonly Step[],
  index: Map<string, number>,
  step: Extract<Step, { type: 'send' }>,
  report: (field: string, message: string) => void,
  catalog: JourneyCatalog,
): void {
  if (step.couponFrom !== undefined) {
    if (step.couponFrom === triggerCoupon) {
      if (definition.trigger.type !== 'couponExpiring') report('couponFrom', `"${triggerCoupon}" needs a couponExpiring trigger`);
    } else {
      const ref = index.get(step.couponFrom);
      if (ref === undefined) report('couponFrom', `no step "${step.couponFrom}" in this arm`);
      else if (steps[ref]!.type !== 'issueCoupon') report('couponFrom', `step "${step.couponFrom}" is not an issueCoupon step`);
    }
  }
  const template = catalog.template(step.template);
  if (!template) {
    report('template', `no template "${step.template}"`);
    return;
  }
  if (step.channel === 'sms') {
    for (const problem of smsTemplateProblems(template, catalog.smsMaxSegments)) {
      report('template', `template "${step.template}" is too long for SMS in locale ${problem.locale} (its ${problem.part === 'sms' ? 'SMS part' : 'text, having no SMS part'}): ${problem.reason}`);
    }
  }
  for (const [name, use] of templateVariables(template)) {
    if (!isKnownVariable(name)) {
      report('template', `template "${step.template}" uses {{${name}}}, which no step can fill (known: ${[...customerVariables, ...couponVariables].join(', ')}, event.<property>)`);
    } else if ((couponVariables as readonly string[]).includes(name) && step.couponFrom === undefined && !use.optional) {
      report('template', `template "${step.template}" uses {{${name}}}, which this step cannot fill: set "couponFrom" to an issueCoupon step`);
    } else if (name.startsWith(eventPrefix) && definition.trigger.type !== 'event' && !use.optional) {
      report('template', `template "${step.template}" uses {{${name}}}, which only an event trigger can fill (or give a fallback: {{${name}|…}})`);
    }
  }
}

/** A cycle in the step graph that passes no wait: the first such cycle found, as the step ids along it. */
export function cycleWithoutWait(steps: readonly Step[]): { index: number; path: string[] } | undefined {
  const index = new Map(steps.map((s, i) => [s.id, i] as const));
  // Walk only through non-wait steps: any cycle found among them has no wait on it.
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | undefined => {
    const i = index.get(id);
    if (i === undefined || steps[i]!.type === 'wait') return undefined;
    if (state.get(id) === 'done') return undefined;
    if (state.get(id) === 'open') return [...path.slice(path.indexOf(id)), id];
    state.set(id, 'open');
    path.push(id);
    for (const next of successors(steps, i)) {
      const found = visit(next);
      if (found) return found;
    }
    path.pop();
    state.set(id, 'done');
    return undefined;
  };
  for (const step of steps) {
    const found = visit(step.id);
    if (found) return { index: index.get(found[0]!)!, path: found };
  }
  return undefined;
}
