import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Which function invocation the current asynchronous work belongs to. The local host runs every invocation
 * inside it, so what the work does further down (a Cosmos request, say) can be counted against the function
 * that caused it — what Application Insights' dependency tracking answers in Azure.
 */
const scope = new AsyncLocalStorage<string>();

export function runInvocation<T>(functionName: string, work: () => T): T {
  return scope.run(functionName, work);
}

/** The function whose invocation is running, or undefined outside any (the host's own start-up, tests). */
export function currentFunction(): string | undefined {
  return scope.getStore();
}
