/**
 * The fake Tave in its own process: started by `fork()` from a benchmark (see fake-tave-process.ts), it
 * generates the studio, listens on 127.0.0.1 and sends its URL back over IPC, then answers commands: change a
 * share of the client contacts (the CRM side of an incremental sync), report the request log as counts, clear
 * the log, close. Keeping the server out of the benchmark's process keeps its CPU and memory out of the figures.
 */
import type { RunningFakeTave, TaveContact, TavePerson } from '@wedsync/crm-testkit/servers';
import { startFakeTave } from '@wedsync/crm-testkit/servers';
import type {
  ChildMessage,
  CommandMessage,
  MutateResult,
  RequestStats,
  StartMessage,
} from './fake-tave-protocol.js';

let fake: RunningFakeTave | undefined;
let mutations = 0;

function send(message: ChildMessage): void {
  process.send?.(message);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** The studio's client contacts: people who are the client of at least one job, in id order. */
function clientContacts(server: RunningFakeTave): TavePerson[] {
  const clientIds = new Set<string>();
  for (const jobContact of server.state.list('job-contact')) {
    if (jobContact.client === true) clientIds.add(jobContact.contactId);
  }
  return server.state
    .list('address-book')
    .filter(
      (contact: TaveContact): contact is TavePerson => contact.kind === 'person' && clientIds.has(contact.id),
    )
    .sort((left, right) => (left.id < right.id ? -1 : left.id > right.id ? 1 : 0));
}

/**
 * Changes `percent` % of the client contacts, spread evenly over the studio (every k-th client): a new maiden
 * name, a field every mapping reads both ways. Each update bumps the contact's `modified`.
 */
function mutateClients(server: RunningFakeTave, percent: number): MutateResult {
  const clients = clientContacts(server);
  const count = Math.min(clients.length, Math.round((clients.length * percent) / 100));
  mutations += 1;
  const ids: string[] = [];
  const step = count === 0 ? 1 : clients.length / count;
  for (let index = 0; index < count; index += 1) {
    const contact = clients[Math.floor(index * step)] as TavePerson;
    server.state.update('address-book', contact.id, { maidenName: `Changed${mutations}x${index}` });
    ids.push(contact.id);
  }
  return { changed: count, clients: clients.length, ids };
}

/** Counts of the request log, and the most requests that arrived in any `windowMs`. */
function requestStats(server: RunningFakeTave, windowMs: number): RequestStats {
  const entries = server.requestLog.entries();
  const statuses: Record<string, number> = {};
  const resources: Record<string, number> = {};
  for (const entry of entries) {
    const key = String(entry.status);
    statuses[key] = (statuses[key] ?? 0) + 1;
    const resource = entry.path.split('/').filter((part) => part !== '')[0] ?? '/';
    resources[resource] = (resources[resource] ?? 0) + 1;
  }
  const times = entries.map((entry) => Date.parse(entry.time)).sort((left, right) => left - right);
  let maxInWindow = 0;
  let first = 0;
  for (let last = 0; last < times.length; last += 1) {
    while ((times[last] as number) - (times[first] as number) >= windowMs) first += 1;
    maxInWindow = Math.max(maxInWindow, last - first + 1);
  }
  const spanMs = times.length === 0 ? 0 : (times[times.length - 1] as number) - (times[0] as number);
  const busyMs = entries.reduce((sum, entry) => sum + entry.durationMs, 0);
  return { requests: entries.length, statuses, maxInWindow, windowMs, spanMs, busyMs, resources };
}

async function start(message: StartMessage): Promise<void> {
  const started = performance.now();
  const { apiKey, clients, seed, badRecords, rateLimits } = message.options;
  fake = await startFakeTave({
    apiKey,
    studio: { seed, clients, ...(badRecords === undefined ? {} : { badRecords }) },
    ...(rateLimits === undefined ? {} : { rateLimits }),
  });
  send({
    type: 'ready',
    url: fake.url,
    counts: fake.manifest.counts,
    startSeconds: (performance.now() - started) / 1000,
    rssBytes: process.memoryUsage.rss(),
  });
}

async function command(message: CommandMessage): Promise<void> {
  const server = fake;
  if (server === undefined) throw new Error('The fake Tave has not started');
  switch (message.type) {
    case 'mutate-clients':
      send({ type: 'result', id: message.id, value: mutateClients(server, message.percent) });
      return;
    case 'request-stats':
      send({ type: 'result', id: message.id, value: requestStats(server, message.windowMs) });
      return;
    case 'clear-request-log':
      server.requestLog.clear();
      send({ type: 'result', id: message.id, value: null });
      return;
    case 'close':
      await server.close();
      fake = undefined;
      send({ type: 'result', id: message.id, value: null });
      process.disconnect?.();
      return;
  }
}

process.on('message', (message: StartMessage | CommandMessage) => {
  const work = message.type === 'start' ? start(message) : command(message);
  work.catch((error: unknown) => {
    send({ type: 'error', id: 'id' in message ? message.id : null, message: messageOf(error) });
  });
});

// The parent went away (or closed the channel): stop serving.
process.on('disconnect', () => {
  const server = fake;
  fake = undefined;
  void (server === undefined ? Promise.resolve() : server.close()).finally(() => process.exit(0));
});
