import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readTickets, TICKETS_FILE, TicketSink } from '../../../runtime/state/tickets.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function stateDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'recon-tickets-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A clock that moves one minute per reading. */
function clock(): () => Date {
  let minute = 0;
  return () => new Date(Date.UTC(2026, 10, 26, 12, minute++));
}

const lines = (dir: string) =>
  readFileSync(path.join(dir, TICKETS_FILE), 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('ticket sink', () => {
  it('opens one ticket per item and never duplicates an open one', () => {
    const dir = stateDir();
    const sink = TicketSink.inStateDir(dir, { now: clock() });
    const first = sink.open({ id: 'p/extra/t1', policy: 'p', title: 'Unexpected settlement t1', runId: 'r1', planHash: 'sha256:a' });
    expect(first.outcome).toBe('opened');
    const again = sink.open({ id: 'p/extra/t1', policy: 'p', title: 'Unexpected settlement t1', runId: 'r2' });
    expect(again.outcome).toBe('already_open');
    // A new sink (the next run) reads the state back and still does not duplicate.
    const next = TicketSink.inStateDir(dir, { now: clock() });
    expect(next.open({ id: 'p/extra/t1', policy: 'p', title: 'x' }).outcome).toBe('already_open');
    expect(lines(dir)).toEqual([
      {
        event: 'opened',
        id: 'p/extra/t1',
        policy: 'p',
        title: 'Unexpected settlement t1',
        status: 'open',
        opened_at: '2026-11-26T12:00:00.000Z',
        updated_at: '2026-11-26T12:00:00.000Z',
        resolved_at: null,
        times_opened: 1,
        run_id: 'r1',
        plan_hash: 'sha256:a',
      },
    ]);
  });

  it('resolves tickets whose item no longer drifts, only for the policies the run covered', () => {
    const dir = stateDir();
    const sink = TicketSink.inStateDir(dir, { now: clock() });
    sink.open({ id: 'p/extra/t1', policy: 'p', title: 'one' });
    sink.open({ id: 'p/changed/t2', policy: 'p', title: 'two' });
    sink.open({ id: 'q/extra/t9', policy: 'q', title: 'other policy' });
    const resolved = sink.resolveConverged(['p/changed/t2'], { policies: ['p'], runId: 'r2' });
    expect(resolved.map((ticket) => ticket.id)).toEqual(['p/extra/t1']);
    const state = readTickets(path.join(dir, TICKETS_FILE)).tickets;
    expect(state.get('p/extra/t1')).toMatchObject({ status: 'resolved', resolved_at: '2026-11-26T12:03:00.000Z', run_id: 'r2' });
    expect(state.get('p/changed/t2')?.status).toBe('open');
    expect(state.get('q/extra/t9')?.status).toBe('open');
    // Nothing left to resolve: no new line.
    expect(sink.resolveConverged(['p/changed/t2'], { policies: ['p'] })).toEqual([]);
    expect(lines(dir)).toHaveLength(4);
  });

  it('reopens a resolved ticket instead of opening a second one', () => {
    const dir = stateDir();
    const sink = TicketSink.inStateDir(dir, { now: clock() });
    sink.open({ id: 'p/extra/t1', policy: 'p', title: 'first title' });
    sink.resolveConverged([]);
    const reopened = sink.open({ id: 'p/extra/t1', policy: 'p', title: 'new title', runId: 'r3' });
    expect(reopened.outcome).toBe('reopened');
    expect(reopened.ticket).toMatchObject({
      status: 'open',
      title: 'new title',
      opened_at: '2026-11-26T12:00:00.000Z',
      resolved_at: null,
      times_opened: 2,
    });
    expect(lines(dir).map((line) => line.event)).toEqual(['opened', 'resolved', 'reopened']);
    const { tickets } = readTickets(path.join(dir, TICKETS_FILE));
    expect([...tickets.values()]).toHaveLength(1);
    expect(tickets.get('p/extra/t1')?.times_opened).toBe(2);
  });

  it('tolerates a torn last line and starts the next line on a fresh line', () => {
    const dir = stateDir();
    const file = path.join(dir, TICKETS_FILE);
    const sink = TicketSink.inStateDir(dir, { now: clock() });
    sink.open({ id: 'p/extra/t1', policy: 'p', title: 'one' });
    appendFileSync(file, '{"event":"opened","id":"p/extra/t2","pol');
    const after = TicketSink.inStateDir(dir, { now: clock() });
    expect(after.skippedLines).toBe(1);
    expect(after.list().map((ticket) => ticket.id)).toEqual(['p/extra/t1']);
    after.open({ id: 'p/extra/t2', policy: 'p', title: 'two' });
    const { tickets, skippedLines } = readTickets(file);
    expect(skippedLines).toBe(1);
    expect([...tickets.keys()]).toEqual(['p/extra/t1', 'p/extra/t2']);
  });

  it('lists the open items of a policy and resolves one ticket at a time', () => {
    const dir = stateDir();
    const sink = TicketSink.inStateDir(dir, { now: clock() });
    sink.open({ id: 'p/extra/t1', policy: 'p', title: 'one' });
    sink.open({ id: 'p/extra/t2', policy: 'p', title: 'two' });
    sink.open({ id: 'q/extra/t1', policy: 'q', title: 'other' });
    expect(sink.openItems('p')).toEqual(['p/extra/t1', 'p/extra/t2']);
    expect(sink.resolve('p/extra/t1', { runId: 'r9' })).toBe(true);
    expect(sink.resolve('p/extra/t1')).toBe(false);
    expect(sink.resolve('p/extra/never')).toBe(false);
    expect(TicketSink.inStateDir(dir).openItems('p')).toEqual(['p/extra/t2']);
    expect(lines(dir).map((line) => `${line.event} ${line.id}`)).toEqual(['opened p/extra/t1', 'opened p/extra/t2', 'opened q/extra/t1', 'resolved p/extra/t1']);
  });

  it('reads nothing from a state directory without tickets', () => {
    const dir = stateDir();
    expect(readTickets(path.join(dir, TICKETS_FILE))).toEqual({ tickets: new Map(), skippedLines: 0 });
    expect(TicketSink.inStateDir(dir).resolveConverged([])).toEqual([]);
  });
});
