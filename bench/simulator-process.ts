import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { CrmProvider } from '../shared/providers.ts';

export type ChildRequest =
  | { id: number; op: 'modifyContacts'; count: number }
  | { id: number; op: 'contactIds'; limit: number }
  | { id: number; op: 'requestStats' }
  | { id: number; op: 'clearRequests' }
  | { id: number; op: 'close' };

type Operation = ChildRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** What the child reports once its simulator listens. */
export type SimulatorReady = {
  url: string;
  connection: SimulatorConnection;
  /** With `customers`: one connection per customer (the first is `connection`). */
  connections: SimulatorConnection[];
  /** The CRM hosts and egress allowance that point Propsync at this simulator. */
  operatorConfig: Record<string, string>;
  contactCount: number;
  startupMs: number;
};

export type ChildReply =
  | ({ type: 'ready' } & SimulatorReady)
  | { type: 'reply'; id: number; ok: true; result: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

export type RequestStats = {
  total: number;
  byStatus: Record<string, number>;
  /** Requests per method and path (ids replaced by `:id`). */
  byPath: Record<string, number>;
};

/** What an admin enters to connect to a simulator. */
export type SimulatorConnection = { credentials: Record<string, string>; settings: Record<string, string> };

/** What `startSimulatorProcess` starts. */
export type SimulatorOptions = {
  provider: CrmProvider;
  contacts: number;
  rateLimits: boolean;
  seed?: number;
  /** Reapit only: this many customers, each with `contacts` contacts, served by the one process. */
  customers?: number;
};

/** A simulator running in a child process (see simulator-child.ts). */
export type SimulatorProcess = SimulatorReady & {
  provider: CrmProvider;
  pid: number;
  modifyContacts(count: number): Promise<number>;
  contactIds(limit: number): Promise<string[]>;
  requestStats(): Promise<RequestStats>;
  clearRequests(): Promise<void>;
  close(): Promise<void>;
};

export async function startSimulatorProcess(options: SimulatorOptions): Promise<SimulatorProcess> {
  const child: ChildProcess = fork(path.join(import.meta.dirname, 'simulator-child.ts'), [], {
    execArgv: ['--max-old-space-size=6144'],
    env: {
      ...process.env,
      BENCH_PROVIDER: options.provider,
      BENCH_CONTACTS: String(options.contacts),
      BENCH_RATE_LIMITS: options.rateLimits ? 'on' : 'off',
      BENCH_SEED: String(options.seed ?? 1),
      BENCH_CUSTOMERS: String(options.customers ?? 0),
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  let nextId = 1;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = new Promise<Extract<ChildReply, { type: 'ready' }>>((resolve, reject) => {
    child.once('exit', (code) =>
      reject(new Error(`${options.provider} simulator exited (${code}) before it was ready`)),
    );
    child.on('message', (message: ChildReply) => {
      if (message.type === 'ready') resolve(message);
      else {
        const waiter = pending.get(message.id);
        pending.delete(message.id);
        if (message.ok) waiter?.resolve(message.result);
        else waiter?.reject(new Error(message.error));
      }
    });
  });
  const { type: _ready, ...started } = await ready;
  const call = <T>(operation: Operation): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      child.send({ ...operation, id });
    });
  return {
    ...started,
    connections: started.connections.length > 0 ? started.connections : [started.connection],
    provider: options.provider,
    pid: child.pid!,
    modifyContacts: (count) => call<number>({ op: 'modifyContacts', count }),
    contactIds: (limit) => call<string[]>({ op: 'contactIds', limit }),
    requestStats: () => call<RequestStats>({ op: 'requestStats' }),
    clearRequests: () => call<void>({ op: 'clearRequests' }),
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await call({ op: 'close' }).catch(() => {});
      await exited;
      clearTimeout(timer);
    },
  };
}
