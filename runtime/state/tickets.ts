/**
 * The default ticket sink `tickets.jsonl` in the state directory (RUNTIME.md section 5): one
 * ticket per item id, reopened rather than duplicated, resolved when a later run finds the item
 * converged.
 *
 * Why an append-only event log (and not a file rewritten in place): like the audit log, it is
 * written one flushed line at a time, so a crash loses at most the line being written and two
 * runs of different policies can append to it at the same time without losing each other's
 * lines. Every line is a whole ticket as it is after one event (`opened`, `reopened`,
 * `resolved`), so the current state of a ticket is simply the last line with its id — readable
 * by a person with `grep`, by a tool with `jq`, and the file is also the ticket's history. A torn
 * last line (a crash mid-write) is skipped when reading and healed before the next append.
 *
 * The rules:
 * - `open` of an item whose ticket is open does nothing (no duplicate, no new line);
 * - `open` of an item whose ticket is resolved reopens it (a `reopened` line, `times_opened` + 1);
 * - `resolveConverged(stillDrifting)` resolves every open ticket (of the policies the run
 *   covered) whose item is not among the items still drifting; `resolve(id)` resolves one.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { join } from 'node:path';

/** The sink's file name inside the state directory (RUNTIME.md section 5). */
export const TICKETS_FILE = 'tickets.jsonl';

/** A ticket's current state. */
export interface Ticket {
  /** The plan item id (`policy/kind/key`): one ticket per item. */
  id: string;
  policy: string;
  title: string;
  status: 'open' | 'resolved';
  /** ISO 8601: when it was first opened. */
  opened_at: string;
  /** ISO 8601: the last event. */
  updated_at: string;
  /** ISO 8601 when resolved, null while open. */
  resolved_at: string | null;
  /** How many times it was opened (1 + reopenings). */
  times_opened: number;
  /** The run and plan of the last event, when known. */
  run_id: string | null;
  plan_hash: string | null;
}

/** One line of `tickets.jsonl`: the ticket after an event. */
export interface TicketEvent extends Ticket {
  event: 'opened' | 'reopened' | 'resolved';
}

/** What `open` did: the caller records it (audit detail, summary), so a reopened ticket is visible as such. */
export type OpenOutcome = 'opened' | 'reopened' | 'already_open';

/** The ticket of one plan item, as apply opens it. */
export interface OpenTicketInput {
  id: string;
  policy: string;
  title: string;
  runId?: string | null;
  planHash?: string | null;
}

/** Durability and clock: tests fix the clock; a bulk import may skip fsync. */
export interface TicketSinkOptions {
  /** fsync every line (default true). */
  durable?: boolean;
  /** The clock (tests). */
  now?: () => Date;
}

/** Reads the current state of every ticket (last line per id, in the order tickets first appear). */
export function readTickets(path: string): { tickets: Map<string, Ticket>; skippedLines: number } {
  const tickets = new Map<string, Ticket>();
  let skippedLines = 0;
  if (!existsSync(path)) return { tickets, skippedLines };
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (line.trim() === '') continue;
    let event: Partial<TicketEvent>;
    try {
      event = JSON.parse(line) as Partial<TicketEvent>;
    } catch {
      skippedLines++;
      continue;
    }
    if (typeof event.id !== 'string' || (event.status !== 'open' && event.status !== 'resolved')) {
      skippedLines++;
      continue;
    }
    tickets.set(event.id, toTicket(event as TicketEvent));
  }
  return { tickets, skippedLines };
}

function toTicket(event: TicketEvent): Ticket {
  return {
    id: event.id,
    policy: String(event.policy ?? ''),
    title: String(event.title ?? ''),
    status: event.status,
    opened_at: String(event.opened_at ?? event.updated_at ?? ''),
    updated_at: String(event.updated_at ?? ''),
    resolved_at: event.resolved_at ?? null,
    times_opened: typeof event.times_opened === 'number' ? event.times_opened : 1,
    run_id: event.run_id ?? null,
    plan_hash: event.plan_hash ?? null,
  };
}

/** The ticket sink of one state directory. */
export class TicketSink {
  private readonly tickets: Map<string, Ticket>;
  private readonly durable: boolean;
  private readonly now: () => Date;
  /** Lines that could not be read when the sink was loaded (a torn last line, say). */
  readonly skippedLines: number;

  constructor(
    readonly path: string,
    options: TicketSinkOptions = {},
  ) {
    const { tickets, skippedLines } = readTickets(path);
    this.tickets = tickets;
    this.skippedLines = skippedLines;
    this.durable = options.durable ?? true;
    this.now = options.now ?? (() => new Date());
  }

  static inStateDir(stateDir: string, options: TicketSinkOptions = {}): TicketSink {
    return new TicketSink(join(stateDir, TICKETS_FILE), options);
  }

  /** Every ticket's current state, in the order they were first opened. */
  list(): Ticket[] {
    return [...this.tickets.values()];
  }

  get(id: string): Ticket | undefined {
    return this.tickets.get(id);
  }

  /** Opens the item's ticket: a new one, a reopened one, or nothing when it is open already. */
  open(input: OpenTicketInput): { ticket: Ticket; outcome: OpenOutcome } {
    const existing = this.tickets.get(input.id);
    if (existing?.status === 'open') return { ticket: existing, outcome: 'already_open' };
    const ts = this.now().toISOString();
    const ticket: Ticket = {
      id: input.id,
      policy: input.policy,
      title: input.title,
      status: 'open',
      opened_at: existing ? existing.opened_at : ts,
      updated_at: ts,
      resolved_at: null,
      times_opened: existing ? existing.times_opened + 1 : 1,
      run_id: input.runId ?? null,
      plan_hash: input.planHash ?? null,
    };
    this.append([{ ...ticket, event: existing ? 'reopened' : 'opened' }]);
    this.tickets.set(ticket.id, ticket);
    return { ticket, outcome: existing ? 'reopened' : 'opened' };
  }

  /** Ids of the items of `policy` whose tickets are open (apply resolves those that converged). */
  openItems(policy: string): string[] {
    return this.list()
      .filter((ticket) => ticket.status === 'open' && ticket.policy === policy)
      .map((ticket) => ticket.id);
  }

  /** Resolves one item's open ticket; false when it has none open (nothing is written then). */
  resolve(id: string, options: { runId?: string | null; planHash?: string | null } = {}): boolean {
    const ticket = this.tickets.get(id);
    if (ticket?.status !== 'open') return false;
    const ts = this.now().toISOString();
    const resolved: Ticket = { ...ticket, status: 'resolved', updated_at: ts, resolved_at: ts, run_id: options.runId ?? null, plan_hash: options.planHash ?? null };
    this.append([{ ...resolved, event: 'resolved' }]);
    this.tickets.set(id, resolved);
    return true;
  }

  /**
   * Resolves every open ticket whose item is not in `itemIdsStillDrifting` (pass the ids of all
   * items of the run's plan that still drift after applying). With `policies`, only tickets of
   * those policies are considered — a run that covered one policy must not resolve another's.
   * Returns the tickets it resolved.
   */
  resolveConverged(
    itemIdsStillDrifting: Iterable<string>,
    options: { policies?: Iterable<string>; runId?: string | null; planHash?: string | null } = {},
  ): Ticket[] {
    const drifting = new Set(itemIdsStillDrifting);
    const policies = options.policies === undefined ? null : new Set(options.policies);
    const ts = this.now().toISOString();
    const resolved: Ticket[] = [];
    for (const ticket of this.tickets.values()) {
      if (ticket.status !== 'open' || drifting.has(ticket.id)) continue;
      if (policies !== null && !policies.has(ticket.policy)) continue;
      resolved.push({
        ...ticket,
        status: 'resolved',
        updated_at: ts,
        resolved_at: ts,
        run_id: options.runId ?? null,
        plan_hash: options.planHash ?? null,
      });
    }
    if (resolved.length === 0) return [];
    this.append(resolved.map((ticket) => ({ ...ticket, event: 'resolved' as const })));
    for (const ticket of resolved) this.tickets.set(ticket.id, ticket);
    return resolved;
  }

  /** Appends events in one write, starting on a fresh line when the file ends with a torn one. */
  private append(events: readonly TicketEvent[]): void {
    const lead = endsWithTornLine(this.path) ? '\n' : '';
    const fd = openSync(this.path, 'a');
    try {
      writeSync(fd, lead + events.map((event) => JSON.stringify(orderedEvent(event))).join('\n') + '\n');
      if (this.durable) fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** True when the file exists, is not empty and its last byte is not a line break (a torn line). */
function endsWithTornLine(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    readSync(fd, last, 0, 1, size - 1);
    return last[0] !== 0x0a;
  } finally {
    closeSync(fd);
  }
}

/** The keys of a line in a fixed order, so the file reads the same way everywhere. */
function orderedEvent(event: TicketEvent): TicketEvent {
  return {
    event: event.event,
    id: event.id,
    policy: event.policy,
    title: event.title,
    status: event.status,
    opened_at: event.opened_at,
    updated_at: event.updated_at,
    resolved_at: event.resolved_at,
    times_opened: event.times_opened,
    run_id: event.run_id,
    plan_hash: event.plan_hash,
  } as TicketEvent;
}
