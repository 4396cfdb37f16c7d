/** The storages: a batch applies in order (session, reserved, put, delete); the file keeps superjson types. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileStorage } from '../src/persistence/file-storage.js';
import { CallJournal } from '../src/persistence/journal.js';
import { memoryStorage } from '../src/persistence/storage.js';

const call = (id: number, input: unknown = { n: id }) => ({ id, path: 'jobs.run', input, sent: false, createdAt: 1 });

describe('storages', () => {
  it('memory: put, then delete, reserved only grows, session replaced or cleared', async () => {
    const s = memoryStorage();
    await s.write({ session: { id: 's', token: 't' }, reserved: 10, put: [call(2), call(1)] });
    await s.write({ reserved: 5, delete: [2], put: [{ ...call(1), sent: true }] });
    expect(await s.load()).toEqual({ session: { id: 's', token: 't' }, reserved: 10, calls: [{ ...call(1), sent: true }] });
    await s.write({ session: null });
    expect((await s.load()).session).toBeUndefined();
  });

  it('file: survives a new storage object on the same path, Dates and Maps included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'ackwire-'));
    try {
      const path = join(dir, 'calls.json');
      const first = fileStorage(path);
      expect(await first.load()).toEqual({ session: undefined, reserved: 0, calls: [] });
      const input = { when: new Date('2026-01-02T03:04:05Z'), tags: new Map([['a', 1n]]) };
      await first.write({ session: { id: 's', token: 't' }, reserved: 4096, put: [call(7, input)] });
      const loaded = await fileStorage(path).load();
      expect(loaded.calls[0]!.input).toEqual(input);
      expect((loaded.calls[0]!.input as typeof input).when).toBeInstanceOf(Date);
      expect(loaded.reserved).toBe(4096);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('call journal', () => {
  it('batches one turn into one write; reserves ids ahead; caps the watermark at the lowest stored id', async () => {
    const s = memoryStorage();
    const writes: unknown[] = [];
    const journal = new CallJournal({ load: () => s.load(), write: (b) => (writes.push(b), s.write(b)) }, { session: undefined, reserved: 100, calls: [call(50)] }, () => undefined);
    expect(journal.firstId).toBe(100);
    const a = journal.added(call(101));
    const b = journal.added(call(102));
    await Promise.all([a, b]);
    expect(writes).toEqual([{ reserved: 100 + 4096, put: [call(101), call(102)] }]);
    expect(journal.watermarkCap(103)).toBe(50);
    journal.settled(50);
    journal.settled(101);
    await journal.added(call(103));
    expect(journal.watermarkCap(104)).toBe(102);
    expect(s.state.calls.map((c) => c.id)).toEqual([102, 103]);
  });
});
