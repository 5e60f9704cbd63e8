// The load generator's Electrum client: newline-delimited JSON-RPC 2.0 over TCP, built to cost
// the load process as little as possible per request, so that the server is what is measured.
// Requests are written in one socket write per turn of the event loop; answers are matched by the
// id at their end without parsing them (the caller parses the few results it needs); latency is
// the time from request() to the arrival of the chunk that completed the answer.
import net from 'node:net';

/** An answer line; `error` when it carries a JSON-RPC error. */
export type AnswerHandler = (line: string, error: boolean, latencyMs: number) => void;

const ANSWER = '{"jsonrpc":"2.0","result":';
const ERROR = '{"jsonrpc":"2.0","error":';
const NOTIFY = '{"jsonrpc":"2.0","method":';

export class WireClient {
  private nextId = 1;
  private readonly pending = new Map<number, { sent: number; done: AnswerHandler }>();
  private out = '';
  private flushQueued = false;
  private partial: Buffer[] = [];
  private closedFlag = false;
  /** Notifications (status and header), as raw lines, with their arrival time. */
  onNotification: ((line: string, at: number) => void) | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.data(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      this.closedFlag = true;
      for (const p of this.pending.values()) p.done('connection closed', true, performance.now() - p.sent);
      this.pending.clear();
    });
  }

  static connect(port: number, host = '127.0.0.1'): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => {
        s.off('error', reject);
        resolve(new WireClient(s));
      });
      s.once('error', reject);
    });
  }

  get inFlight(): number {
    return this.pending.size;
  }

  get closed(): boolean {
    return this.closedFlag;
  }

  /** Queues one request; `paramsJson` is the params array already as JSON text. */
  request(method: string, paramsJson: string, done: AnswerHandler): void {
    const id = this.nextId++;
    this.pending.set(id, { sent: performance.now(), done });
    this.out += `{"jsonrpc":"2.0","id":${id},"method":"${method}","params":${paramsJson}}\n`;
    if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(this.flush);
    }
  }

  /** Resolves with the answer line (rejects on an error answer). */
  call(method: string, paramsJson: string): Promise<string> {
    return new Promise((resolve, reject) => this.request(method, paramsJson, (line, error) => (error ? reject(new Error(`${method}: ${line.slice(0, 300)}`)) : resolve(line))));
  }

  private readonly flush = (): void => {
    this.flushQueued = false;
    if (this.out.length === 0 || this.closedFlag) return;
    this.socket.write(this.out);
    this.out = '';
  };

  private data(chunk: Buffer): void {
    const now = performance.now();
    let start = 0;
    for (let nl = chunk.indexOf(10); nl >= 0; nl = chunk.indexOf(10, start)) {
      let line: string;
      if (this.partial.length > 0) {
        this.partial.push(chunk.subarray(start, nl));
        line = Buffer.concat(this.partial).toString('latin1');
        this.partial = [];
      } else {
        line = chunk.toString('latin1', start, nl);
      }
      start = nl + 1;
      this.line(line, now);
    }
    if (start < chunk.length) this.partial.push(start === 0 ? chunk : chunk.subarray(start));
  }

  private line(line: string, now: number): void {
    if (line.startsWith(NOTIFY)) {
      this.onNotification?.(line, now);
      return;
    }
    const error = line.startsWith(ERROR);
    let id: number;
    if (error || line.startsWith(ANSWER)) {
      // Our own requests' ids are numbers: the answer ends with ,"id":<n>}
      id = Number(line.slice(line.lastIndexOf('"id":') + 5, -1));
    } else {
      const m = JSON.parse(line) as { id?: unknown };
      id = Number(m.id);
    }
    const p = this.pending.get(id);
    if (!p) throw new Error(`answer to an unknown request: ${line.slice(0, 200)}`);
    this.pending.delete(id);
    p.done(line, error, now - p.sent);
  }

  /** The "result" of an answer line, parsed. */
  static result<T>(line: string): T {
    return (JSON.parse(line) as { result: T }).result;
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Latencies in ms, growable without an object per sample. */
export class Latencies {
  private buf = new Float64Array(1 << 16);
  length = 0;

  add(ms: number): void {
    if (this.length === this.buf.length) {
      const next = new Float64Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = ms;
  }

  values(): Float64Array {
    return this.buf.slice(0, this.length);
  }
}
