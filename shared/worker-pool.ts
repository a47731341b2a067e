import { parentPort, Worker } from 'node:worker_threads';

/**
 * A small pool of worker threads running one module, for CPU-bound work that would otherwise hold the event
 * loop (and with it every other invocation on the instance). Tasks and answers are structured-cloned; each
 * worker runs one task at a time. Workers start on first use and are unref'd while idle, so an idle pool
 * never keeps a process alive; a worker that dies fails its task and is replaced on the next one.
 */
type Reply<R> = { id: number; ok: true; value: R } | { id: number; ok: false; message: string };

interface Slot<R> {
  worker: Worker;
  task?: { id: number; resolve: (value: R) => void; reject: (error: Error) => void };
}

export class WorkerPool<T, R> {
  private readonly idle: Slot<R>[] = [];
  private readonly waiting: ((slot: Slot<R>) => void)[] = [];
  private readonly slots = new Set<Slot<R>>();
  private nextId = 0;
  private closed = false;

  constructor(
    private readonly entry: URL,
    readonly size: number,
  ) {
    if (!Number.isInteger(size) || size < 1) throw new RangeError(`a worker pool needs at least one thread, got ${size}`);
  }

  async run(task: T): Promise<R> {
    if (this.closed) throw new Error('the worker pool is closed');
    const slot = await this.acquire();
    return new Promise<R>((resolve, reject) => {
      const id = this.nextId++;
      slot.task = { id, resolve, reject };
      slot.worker.ref();
      slot.worker.postMessage({ id, task });
    });
  }

  /** Stops every worker; tasks in flight fail. */
  async close(): Promise<void> {
    this.closed = true;
    const slots = [...this.slots];
    this.slots.clear();
    this.idle.length = 0;
    for (const slot of slots) slot.task?.reject(new Error('the worker pool was closed'));
    await Promise.all(slots.map((slot) => slot.worker.terminate()));
  }

  private acquire(): Promise<Slot<R>> {
    const free = this.idle.pop();
    if (free) return Promise.resolve(free);
    if (this.slots.size < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot<R>): void {
    slot.task = undefined;
    const next = this.waiting.shift();
    if (next) return next(slot);
    slot.worker.unref();
    this.idle.push(slot);
  }

  private spawn(): Slot<R> {
    // Not the parent's execArgv: a host may start Node with flags a worker thread refuses (--input-type,
    // inspector flags), and the tasks need none of them.
    const slot: Slot<R> = { worker: new Worker(this.entry, { execArgv: [] }) };
    this.slots.add(slot);
    slot.worker.on('message', (reply: Reply<R>) => {
      const task = slot.task;
      if (!task || task.id !== reply.id) return;
      this.release(slot);
      if (reply.ok) task.resolve(reply.value);
      else task.reject(new Error(reply.message));
    });
    const lost = (error: Error) => {
      if (!this.slots.delete(slot)) return;
      const i = this.idle.indexOf(slot);
      if (i >= 0) this.idle.splice(i, 1);
      slot.task?.reject(error);
      slot.task = undefined;
      // A caller waiting for a worker gets a fresh one in the dead one's place.
      const next = this.waiting.shift();
      if (next && !this.closed) next(this.spawn());
    };
    slot.worker.on('error', (error) => lost(error));
    slot.worker.on('exit', (code) => lost(new Error(`worker thread ${this.entry.pathname} exited with code ${code}`)));
    return slot;
  }
}

/** The worker side: answers each task with `handle`'s result, or with the message of what it threw. */
export function serveTasks<T, R>(handle: (task: T) => R): void {
  const port = parentPort;
  if (port === null) throw new Error('serveTasks runs inside a worker thread');
  port.on('message', ({ id, task }: { id: number; task: T }) => {
    let reply: Reply<R>;
    try {
      reply = { id, ok: true, value: handle(task) };
    } catch (error) {
      reply = { id, ok: false, message: error instanceof Error ? error.message : String(error) };
    }
    port.postMessage(reply);
  });
}
