// LineSplitter alone: chunk boundaries, '\r\n', UTF-8 split across chunks, empty lines, the
// oversized cut and its memory bound.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { LineSplitter } from '../../src/transport/line-splitter.js';

function splitter(maxRecv = 100): { s: LineSplitter; lines: string[]; over: number[] } {
  const lines: string[] = [];
  const over: number[] = [];
  const s = new LineSplitter(maxRecv, (l) => lines.push(l), (n) => over.push(n));
  return { s, lines, over };
}

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

describe('LineSplitter', () => {
  test('a line split across chunks and several lines in one chunk', () => {
    const { s, lines } = splitter();
    for (const c of ['{"id":', '1}\n{"id":2}\n{"id"', ':3}\n{"id":4}\n{"id":5}', '\n']) s.push(b(c));
    assert.deepEqual(lines, ['{"id":1}', '{"id":2}', '{"id":3}', '{"id":4}', '{"id":5}']);
    assert.equal(s.pendingBytes, 0);
  });

  test("strips one trailing '\\r', also when '\\r' and '\\n' are in different chunks", () => {
    const { s, lines } = splitter();
    s.push(b('a\r\nb\r'));
    s.push(b('\nc\r\r\n'));
    assert.deepEqual(lines, ['a', 'b', 'c\r']);
  });

  test('skips empty lines', () => {
    const { s, lines } = splitter();
    s.push(b('\n\na\n\r\n\n'));
    s.push(b('\n'));
    s.push(b('b\n'));
    assert.deepEqual(lines, ['a', 'b']);
  });

  test('a multi-byte character split across chunks decodes whole', () => {
    const { s, lines } = splitter();
    const bytes = b('€𝄞\n'); // 3 + 4 bytes
    for (let i = 0; i < bytes.length; i++) s.push(bytes.subarray(i, i + 1));
    s.push(Buffer.concat([b('x'), bytes.subarray(0, 2)]));
    s.push(bytes.subarray(2));
    assert.deepEqual(lines, ['€𝄞', 'x€𝄞']);
  });

  test('a line of exactly maxRecv bytes passes; one more byte is oversized', () => {
    const { s, lines, over } = splitter(10);
    s.push(b('0123456789\n'));
    assert.deepEqual(lines, ['0123456789']);
    s.push(b('0123456789A\nnext\n'));
    assert.deepEqual(over, [11]);
    assert.deepEqual(lines, ['0123456789'], 'nothing after the oversized line');
    s.push(b('more\n'));
    assert.deepEqual(lines, ['0123456789']);
    assert.equal(over.length, 1, 'reported once');
  });

  test('a line growing without a newline is cut as soon as it passes maxRecv (memory bound)', () => {
    const { s, lines, over } = splitter(100);
    s.push(b('ok\n'));
    for (let i = 0; i < 3; i++) s.push(b('y'.repeat(40)));
    assert.deepEqual(over, [120]);
    assert.equal(s.pendingBytes, 0, 'the oversized bytes are dropped');
    assert.ok(s.stopped);
    for (let i = 0; i < 100; i++) s.push(b('z'.repeat(1000) + '\n'));
    assert.deepEqual(lines, ['ok']);
    assert.equal(over.length, 1);
  });

  test('stop() from inside onLine ends delivery at once', () => {
    const lines: string[] = [];
    const s: LineSplitter = new LineSplitter(100, (l) => {
      lines.push(l);
      if (l === 'b') s.stop();
    }, () => assert.fail('not oversized'));
    s.push(b('a\nb\nc\nd\n'));
    assert.deepEqual(lines, ['a', 'b']);
  });

  test('a short tail of a big chunk is copied, not kept as a view of the chunk', () => {
    const { s, lines } = splitter(100_000);
    const chunk = b('x'.repeat(60_000) + '\nta');
    s.push(chunk);
    s.push(b('il\n'));
    assert.deepEqual(lines.map((l) => l.length), [60_000, 4]);
    assert.equal(lines[1], 'tail');
  });
});
