import { createQueue, type Queue, type QueueDeps, type QueueName } from "@kubedump/queue";

export interface QueueRegistry {
  /** The queue of this name, made on first use. */
  get<T>(name: QueueName): Queue<T>;
  /** Closes every queue made. Safe twice. */
  close(): Promise<void>;
}

/** The BullMQ queues the controllers add jobs to, so that a new controller needs no new wiring. */
export function createQueueRegistry(deps: QueueDeps): QueueRegistry {
  const queues = new Map<QueueName, Queue<unknown>>();
  return {
    get<T>(name: QueueName): Queue<T> {
      let queue = queues.get(name);
      if (!queue) {
        queue = createQueue<unknown>(name, deps);
        queues.set(name, queue);
      }
      return queue as Queue<T>;
    },
    async close() {
      const all = [...queues.values()];
      queues.clear();
      await Promise.all(all.map((q) => q.close()));
    },
  };
}
