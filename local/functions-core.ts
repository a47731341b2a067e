import { createRequire } from 'node:module';

/**
 * Stand-in for `@azure/functions-core`, the module the Functions worker injects. `@azure/functions` requires it
 * lazily on the first `app.*` call; by answering that require we capture every registration exactly as the
 * worker would see it, and the local host drives the same handlers. In Azure this file is never loaded.
 */
export interface BindingInfo {
  type: string;
  direction?: 'in' | 'out' | 'inout';
  name?: string;
  [option: string]: unknown;
}

export interface FunctionMetadata {
  name: string;
  bindings: Record<string, BindingInfo>;
  retryOptions?: unknown;
}

export type FunctionCallback = (...args: unknown[]) => unknown;

export interface Registration {
  name: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  trigger: BindingInfo;
}

export type HookName = 'appStart' | 'appTerminate' | 'preInvocation' | 'postInvocation';

export interface Registry {
  functions: Map<string, Registration>;
  hooks: Map<string, ((context: unknown) => unknown)[]>;
  programmingModel?: unknown;
}

export const registry: Registry = { functions: new Map(), hooks: new Map() };

const coreApi = {
  version: 'winback-local-host',
  setProgrammingModel(model: unknown) {
    registry.programmingModel = model;
  },
  getProgrammingModel() {
    return registry.programmingModel;
  },
  registerFunction(metadata: FunctionMetadata, callback: FunctionCallback) {
    const trigger = Object.values(metadata.bindings).find((binding) => /Trigger$/i.test(binding.type));
    if (!trigger) throw new Error(`function "${metadata.name}" has no trigger binding`);
    if (registry.functions.has(metadata.name)) {
      throw new Error(`a function named "${metadata.name}" is already registered`);
    }
    registry.functions.set(metadata.name, { name: metadata.name, metadata, callback, trigger });
    return { dispose: () => registry.functions.delete(metadata.name) };
  },
  registerHook(name: string, callback: (context: unknown) => unknown) {
    const list = registry.hooks.get(name) ?? [];
    list.push(callback);
    registry.hooks.set(name, list);
    return {
      dispose: () => {
        const current = registry.hooks.get(name) ?? [];
        registry.hooks.set(name, current.filter((hook) => hook !== callback));
      },
    };
  },
  log(level: string, category: string, message: string) {
    if (level === 'error' || level === 'critical') console.error(`[${category}] ${message}`);
  },
};

let installed = false;

/** Must run before the first `app.*` call: the library remembers a failed lookup for good. */
export function installFunctionsCore(): void {
  if (installed) return;
  const require = createRequire(import.meta.url);
  const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
  const originalLoad = Module._load;
  Module._load = function load(this: unknown, request: string, ...rest: unknown[]) {
    if (request === '@azure/functions-core') return coreApi;
    return originalLoad.call(this, request, ...rest);
  };
  installed = true;
}
