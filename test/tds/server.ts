/**
 * A small TDS 7.4 server for the tests. The real mssql/tedious client (and
 * FreeTDS) talk to it over TCP; it answers from SQLite. It does what the
 * product needs, answers anything else with a clear error, and records what
 * a client cannot see (TLS, login flags, isolation levels, statements).
 * Protocol facts: /work/shared/notes/tds-protocol.md.
 */
import { once } from 'node:events';
import net from 'node:net';
import { Duplex, type Writable } from 'node:stream';
import tls from 'node:tls';
import type Database from 'better-sqlite3';
import { deniedTable, prepare, resultColumns, toSqlError } from './engine';
import {
  COLLATION, DONE, PACKET, Reader, SqlError, bVarByte, bVarChar, colMetadata, done, doneInProc, doneProc, envChange, errorToken, loginAck, readParamValue, returnStatus, row, unsupported,
} from './wire';

export interface TdsServerOptions {
  db: Database.Database;
  host?: string;
  port?: number;
  database?: string;
  logins: Record<string, string>;
  tls?: { key: string | Buffer; cert: string | Buffer };
  snapshotIsolation?: boolean;
  denySelect?: readonly string[];
  dropAfterRows?: number;
  /** Fault: the DONE token of each result claims this many rows more than were sent. */
  overstateRowCount?: number;
  stall?: 'prelogin' | 'query';
  /**
   * Fault: every row of a result goes out in a packet of its own, this many ms after the one before: a server, or a
   * network, that trickles. tedious stops its request timer at a reply's first packet, so only a deadline ends the wait.
   */
  rowDelayMs?: number;
}
export interface SessionInfo {
  encrypted: boolean; strict: boolean; readOnlyIntent: boolean; user: string; database: string; isolationLevels: number[]; statements: string[];
  /** How each transaction ended, in order. */
  transactionEnds: ('COMMIT' | 'ROLLBACK')[];
}
export interface TdsServer {
  port: number;
  sessions: SessionInfo[];
  /** Client connections open now. */
  readonly open: number;
  close(): Promise<void>;
}

interface Shared {
  readonly o: TdsServerOptions & { database: string };
  /** TLS inside PRELOGIN stops at 1.2, as SQL Server's does: TLS 1.3 would send session tickets after the client is done with PRELOGIN. */
  readonly tls?: { tds7: tls.SecureContext; strict: tls.SecureContext };
  readonly sessions: SessionInfo[];
  rowsSent: number;
  transactions: number;
  /** better-sqlite3 has one connection, busy while a result is iterated: requests take turns. */
  withDb(fn: () => Promise<void>): Promise<void>;
}

const SNAPSHOT = 5; // tedious ISOLATION_LEVEL.SNAPSHOT
const TM = { BEGIN: 5, COMMIT: 7, ROLLBACK: 8 };

export async function startTdsServer(o: TdsServerOptions): Promise<TdsServer> {
  let turn = Promise.resolve();
  const shared: Shared = {
    o: { ...o, database: o.database ?? 'ProCapita' },
    ...(o.tls ? { tls: { tds7: tls.createSecureContext({ ...o.tls, maxVersion: 'TLSv1.2' }), strict: tls.createSecureContext(o.tls) } } : {}),
    sessions: [],
    rowsSent: 0,
    transactions: 0,
    withDb(fn) {
      const run = turn.then(fn);
      turn = run.catch(() => undefined);
      return run;
    },
  };
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    new Session(socket, shared, 51 + (sockets.size % 1000));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, o.host ?? '127.0.0.1', resolve);
  });
  return {
    port: (server.address() as net.AddressInfo).port,
    sessions: shared.sessions,
    get open() {
      return sockets.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy(); // stalled and streaming sessions included
      }),
  };
}

/** Reassembles client messages from packets, dropping those the client marked "ignore". */
class PacketReader {
  private buffered: Buffer = Buffer.alloc(0);
  private parts: Buffer[] = [];
  constructor(private readonly onMessage: (type: number, payload: Buffer) => void) {}

  /** False when the bytes are not TDS packets at all. */
  push(chunk: Buffer): boolean {
    this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
    while (this.buffered.length >= 8) {
      const length = this.buffered.readUInt16BE(2);
      if (length < 8) return false;
      if (this.buffered.length < length) break;
      const [type, status] = [this.buffered[0]!, this.buffered[1]!];
      this.parts.push(this.buffered.subarray(8, length));
      this.buffered = this.buffered.subarray(length);
      if (status & 0x01) {
        const payload = Buffer.concat(this.parts.splice(0));
        if (!(status & 0x02)) this.onMessage(type, payload);
      }
    }
    return true;
  }
}

/** Two connected in-memory stream ends (Node 20 has no stream.duplexPair): one writes what the other reads, with backpressure. */
class PairEnd extends Duplex {
  peer!: PairEnd;
  private release?: () => void; // the peer's write callback, held while this end's reader is full
  override _read() {
    const release = this.release;
    this.release = undefined;
    release?.();
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: () => void) {
    if (this.peer.push(chunk)) callback();
    else this.peer.release = callback;
  }
  override _final(callback: () => void) {
    this.peer.push(null);
    callback();
  }
  override _destroy(err: Error | null, callback: (err: Error | null) => void) {
    this.peer.destroy();
    callback(err);
  }
}

class Session {
  private readonly reader = new PacketReader((type, payload) => this.onMessage(type, payload));
  /** Where TDS packets go: the socket, or the TLS socket on top of it. */
  private io: Duplex;
  /** plain: TDS on the socket. handshake: TLS records ride in PRELOGIN packets. tls: TLS records on the socket. */
  private wire: 'plain' | 'handshake' | 'tls' = 'plain';
  private tlsWire?: PairEnd; // the socket side of the pair TLS runs on
  private handshakeOut: Buffer[] = [];
  private secure = false;
  private strict = false;
  private seenData = false;
  private state: 'prelogin' | 'login' | 'ready' = 'prelogin';
  private packetSize = 4096;
  private packetId = 0;
  private info?: SessionInfo;
  private queue = Promise.resolve();
  private busy = false;
  private attention = false;
  private answered = true; // whether the last request's reply has ended
  private tx?: { descriptor: Buffer; level: number; statements: number };
  private out: Buffer[] = [];
  private outSize = 0;

  constructor(private readonly socket: net.Socket, private readonly s: Shared, private readonly spid: number) {
    this.io = socket;
    socket.on('error', () => undefined); // clients vanish mid-test (cancel, faults): normal here
    socket.on('data', (d: Buffer) => this.onSocketData(d));
  }

  private onSocketData(d: Buffer) {
    const first = !this.seenData;
    this.seenData = true;
    // TDS 8 ('strict') puts TLS first, so the very first byte is a TLS handshake record.
    if (first && d[0] === 0x16) {
      if (!this.s.tls) return void this.socket.destroy();
      this.strict = true;
      this.startTls();
      this.wire = 'tls';
    }
    if (this.wire === 'tls') this.tlsWire!.write(d);
    else if (!this.reader.push(d)) this.socket.destroy();
  }

  /**
   * TLS runs on an in-memory pair rather than on the socket, because during the
   * TDS 7 handshake its records must travel inside PRELOGIN packets.
   */
  private startTls() {
    const [inner, outer] = [new PairEnd(), new PairEnd()];
    [inner.peer, outer.peer] = [outer, inner];
    const options = this.strict ? { secureContext: this.s.tls!.strict, ALPNProtocols: ['tds/8.0'] } : { secureContext: this.s.tls!.tds7 };
    const secure = new tls.TLSSocket(inner, { isServer: true, ...options });
    secure.on('secure', () => {
      this.secure = true;
      setImmediate(() => this.flushHandshake());
    });
    secure.on('data', (d: Buffer) => this.reader.push(d) || this.socket.destroy());
    secure.on('error', () => this.socket.destroy()); // e.g. the client refused the certificate
    secure.on('end', () => this.socket.end());
    outer.on('data', (d: Buffer) => {
      // Each client handshake message gets exactly one PRELOGIN reply: gather what TLS writes in this turn.
      if (this.wire === 'handshake') {
        if (this.handshakeOut.push(d) === 1) setImmediate(() => this.flushHandshake());
      } else if (!this.socket.write(d)) {
        outer.pause();
        this.socket.once('drain', () => outer.resume());
      }
    });
    outer.on('end', () => this.socket.end());
    this.socket.on('close', () => secure.destroy());
    this.tlsWire = outer;
    this.io = secure;
  }

  private flushHandshake() {
    if (this.handshakeOut.length) this.send(PACKET.PRELOGIN, Buffer.concat(this.handshakeOut.splice(0)), this.socket);
    if (this.secure && this.wire === 'handshake') this.wire = 'tls'; // from now on TLS records go on the socket as they are
  }

  /** One message, split into packets of the negotiated size; only the last ends the message. */
  private send(type: number, payload: Buffer, to: Writable = this.io, last = true) {
    if (this.socket.destroyed) return;
    const max = this.packetSize - 8;
    for (let at = 0; at === 0 || at < payload.length; at += max) {
      const data = payload.subarray(at, at + max);
      const header = Buffer.alloc(8);
      header[0] = type;
      header[1] = last && at + max >= payload.length ? 0x01 : 0x00;
      header.writeUInt16BE(data.length + 8, 2);
      header.writeUInt16BE(this.spid, 4);
      header[6] = this.packetId = (this.packetId + 1) & 0xff;
      to.write(Buffer.concat([header, data]));
    }
    if (last && type === PACKET.REPLY) this.answered = true;
  }
  private reply = (...tokens: Buffer[]) => this.send(PACKET.REPLY, Buffer.concat(tokens));

  /** Streaming output: whole packets go out as soon as they fill; `flush(true)` ends the message. */
  private add(token: Buffer) {
    this.out.push(token);
    if ((this.outSize += token.length) >= this.packetSize - 8) this.flush(false);
  }
  private flush(last: boolean) {
    const all = Buffer.concat(this.out.splice(0));
    const max = this.packetSize - 8;
    const sent = last ? all.length : all.length - (all.length % max);
    if (last || sent > 0) this.send(PACKET.REPLY, all.subarray(0, sent), this.io, last);
    this.out = [all.subarray(sent)];
    this.outSize = all.length - sent;
  }

  /** Lets ATTENTION in and waits while the client is behind; false once the connection is gone. */
  private async breathe(): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.io.writableNeedDrain) {
      const stop = new AbortController();
      const { signal } = stop;
      await Promise.race([once(this.io, 'drain', { signal }), once(this.socket, 'close', { signal })]).catch(() => undefined);
      stop.abort();
    }
    return !this.socket.destroyed;
  }

  /** Sends what is buffered as a packet that does not end the message, then waits ms; false once the connection is gone. */
  private async trickle(ms: number): Promise<boolean> {
    const all = Buffer.concat(this.out.splice(0));
    this.outSize = 0;
    this.send(PACKET.REPLY, all, this.io, false);
    const stop = new AbortController();
    await Promise.race([new Promise((resolve) => setTimeout(resolve, ms)), once(this.socket, 'close', { signal: stop.signal }).catch(() => undefined)]);
    stop.abort();
    return !this.socket.destroyed;
  }

  private onMessage(type: number, payload: Buffer) {
    if (type === PACKET.ATTENTION) {
      // Out of band: the request it cancels may be streaming right now, and acknowledges it when it stops.
      if (this.busy) this.attention = true;
      else this.acknowledgeAttention();
      return;
    }
    this.queue = this.queue.then(() => this.handle(type, payload)).catch(() => void this.socket.destroy());
  }

  private async handle(type: number, payload: Buffer) {
    if (type === PACKET.PRELOGIN && this.wire === 'handshake') return void this.tlsWire!.write(payload);
    if (type === PACKET.PRELOGIN && this.state === 'prelogin') return this.prelogin(payload);
    if (type === PACKET.LOGIN7 && this.state !== 'ready') return this.login(payload);
    if (this.state !== 'ready') return void this.socket.destroy(); // a client out of step; nothing sensible to say
    this.busy = true;
    this.answered = false;
    try {
      if (type === PACKET.BATCH) await this.batch(payload);
      else if (type === PACKET.RPC) await this.rpc(payload);
      else if (type === PACKET.TM) this.transaction(payload);
      else throw unsupported(`TDS packet type 0x${type.toString(16)}`);
    } catch (err) {
      this.reply(errorToken(toSqlError(err)), type === PACKET.RPC ? doneProc(DONE.ERROR) : done(DONE.ERROR));
    } finally {
      this.busy = false;
      if (this.attention) this.acknowledgeAttention();
    }
  }

  /** The acknowledgement is a message of its own, after the reply it cut short: tedious reads that reply first, so one must end. */
  private acknowledgeAttention() {
    this.attention = false;
    if (!this.answered) this.send(PACKET.REPLY, Buffer.alloc(0));
    this.reply(done(DONE.ATTN));
  }

  private prelogin(p: Buffer) {
    if (this.s.o.stall === 'prelogin') return; // fault: the client's connect timeout must fire
    const option = (token: number) => {
      for (let i = 0; i + 5 <= p.length && p[i] !== 0xff; i += 5) if (p[i] === token) return p[p.readUInt16BE(i + 1)];
      return undefined;
    };
    // TLS only for a client asking for it (ON or REQ). Otherwise NOT_SUP, never OFF, which means "encrypt the login only".
    const encryption = option(0x01);
    const startTls = !this.strict && !!this.s.tls && (encryption === 0x01 || encryption === 0x03);
    const data = [
      Buffer.from([16, 0, 0x07, 0xd0, 0, 0]), // VERSION: 16.0, build 2000 (big-endian)
      Buffer.from([startTls ? 0x01 : 0x02]), // ENCRYPTION
      Buffer.from([0]), // INSTOPT
      Buffer.alloc(0), // THREADID
      Buffer.from([0]), // MARS: off, whatever the client asked
    ];
    const table = Buffer.alloc(data.length * 5 + 1, 0xff);
    let offset = table.length;
    data.forEach((d, token) => {
      table[token * 5] = token;
      table.writeUInt16BE(offset, token * 5 + 1);
      table.writeUInt16BE(d.length, token * 5 + 3);
      offset += d.length;
    });
    this.reply(table, ...data);
    this.state = 'login';
    if (startTls) {
      this.wire = 'handshake';
      this.startTls();
    }
  }

  private login(p: Buffer) {
    const o = this.s.o;
    const field = (at: number) => p.subarray(p.readUInt16LE(at), p.readUInt16LE(at) + 2 * p.readUInt16LE(at + 2));
    // The password is obfuscated: each byte XORed with 0xA5, nibbles swapped.
    const password = Buffer.from(field(44).map((b) => ((b ^ 0xa5) >> 4) | (((b ^ 0xa5) << 4) & 0xf0))).toString('utf16le');
    const user = field(40).toString('utf16le');
    const database = field(68).toString('utf16le') || o.database;
    const info: SessionInfo = { encrypted: this.secure, strict: this.strict, readOnlyIntent: (p[26]! & 0x20) !== 0, user, database, isolationLevels: [], statements: [], transactionEnds: [] };
    this.s.sessions.push((this.info = info));

    const loginFailed = new SqlError(18456, 14, `Login failed for user '${user}'.`);
    const errors =
      p[25]! & 0x80 // fIntSecurity: NTLM/SSPI
        ? [unsupported('integrated (NTLM/SSPI) logins; log in with a SQL user and password')]
        : !Object.hasOwn(o.logins, user) || o.logins[user] !== password
          ? [loginFailed]
          : database.toLowerCase() !== o.database.toLowerCase()
            ? [new SqlError(4060, 11, `Cannot open database "${database}" requested by the login. The login failed.`), loginFailed]
            : [];
    if (errors.length) {
      this.reply(...errors.map(errorToken), done(DONE.ERROR));
      return void this.io.end();
    }
    const asked = p.readUInt32LE(8);
    const size = asked ? Math.min(Math.max(asked, 512), 32767) : 4096;
    this.reply(
      envChange(1, bVarChar(o.database), bVarChar('master')),
      envChange(7, bVarByte(COLLATION), bVarByte(Buffer.alloc(0))),
      envChange(2, bVarChar('us_english'), bVarChar('')),
      loginAck(),
      envChange(4, bVarChar(String(size)), bVarChar(String(this.packetSize))),
      done(DONE.FINAL),
    );
    this.packetSize = size;
    this.state = 'ready';
  }

  private async batch(p: Buffer) {
    const text = p.toString('utf16le', p.readUInt32LE(0)); // after ALL_HEADERS
    // tedious's `set …` batch right after login: none of those options changes what SQLite does.
    if (text.split(/[;\n]/).every((line) => /^\s*(set\s.*)?$/i.test(line))) {
      this.info!.statements.push(text);
      return this.reply(done(DONE.FINAL));
    }
    await this.execute(text, {}, false);
  }

  private async rpc(p: Buffer) {
    const r = new Reader(p);
    r.skipAllHeaders();
    const nameLength = r.u16();
    const proc = nameLength === 0xffff ? r.u16() : r.ucs2(nameLength);
    r.u16(); // option flags
    if (proc !== 10 && !/^(sys\.)?sp_executesql$/i.test(String(proc))) {
      throw new SqlError(2812, 16, `Could not find stored procedure '${typeof proc === 'number' ? `#${proc}` : proc}'.`);
    }
    const values: [string, unknown][] = [];
    while (!r.done) {
      const name = r.bVarChar();
      r.u8(); // status flags
      values.push([name, readParamValue(r)]);
    }
    // sp_executesql's parameters: the statement, the declarations (the values carry their own types), then the values.
    const [statement, , ...params] = values;
    if (typeof statement?.[1] !== 'string') throw unsupported('sp_executesql without a statement');
    await this.execute(statement[1], Object.fromEntries(params.map(([name, v]) => [name.replace(/^@/, ''), v])), true);
  }

  private async execute(text: string, params: Record<string, unknown>, rpc: boolean) {
    const o = this.s.o;
    this.info!.statements.push(text);
    // Fault: never answer. The pool's own `SELECT 1;` check is still answered, so the stall hits the request itself.
    if (o.stall === 'query' && !/^\s*SELECT 1;?\s*$/i.test(text)) return;
    const fail = (e: SqlError) => this.reply(errorToken(e), rpc ? doneProc(DONE.ERROR) : done(DONE.ERROR));
    if (this.tx && this.tx.statements++ === 0 && this.tx.level === SNAPSHOT && o.snapshotIsolation === false) {
      const m = `Snapshot isolation transaction failed accessing database '${o.database}' because snapshot isolation is not allowed in this database. Use ALTER DATABASE to allow snapshot isolation.`;
      return fail(new SqlError(3952, 16, m));
    }
    const denied = deniedTable(text, o.denySelect ?? [], o.database);
    if (denied) return fail(denied);
    await this.s.withDb(() => this.run(text, params, rpc, fail));
  }

  private async run(text: string, params: Record<string, unknown>, rpc: boolean, fail: (e: SqlError) => void) {
    if (this.attention || this.socket.destroyed) return; // cancelled while waiting its turn
    const ending = (rows: number) => (rpc ? [doneInProc(DONE.MORE | DONE.COUNT, rows), returnStatus(0), doneProc(DONE.FINAL)] : [done(DONE.COUNT, rows)]);
    let rows: IterableIterator<unknown[]> | undefined;
    let started = false;
    try {
      const stmt = prepare(this.s.o.db, text);
      if (!stmt.reader) return this.reply(...ending(stmt.run(params).changes));
      rows = stmt.iterate(params) as IterableIterator<unknown[]>;
      let next = rows.next();
      const columns = resultColumns(stmt, text, next.done ? undefined : next.value);
      this.add(colMetadata(columns));
      started = true;
      let count = 0;
      for (; !next.done; next = rows.next()) {
        this.add(row(columns, next.value));
        if (this.s.o.rowDelayMs !== undefined && !(await this.trickle(this.s.o.rowDelayMs))) return;
        if (++this.s.rowsSent === this.s.o.dropAfterRows) {
          this.flush(false); // fault: rows so far, then the connection drops
          return void this.socket.destroy();
        }
        if (++count % 50 === 0 && !(await this.breathe())) return;
        if (this.attention) return this.flush(true); // ends the message; the ATTENTION reply follows
      }
      for (const token of ending(count + (this.s.o.overstateRowCount ?? 0))) this.add(token);
      this.flush(true);
    } catch (err) {
      if (started) { // mid-result: end it with the error
        this.add(errorToken(toSqlError(err)));
        this.add(rpc ? doneProc(DONE.ERROR) : done(DONE.ERROR));
        return this.flush(true);
      }
      fail(toSqlError(err));
    } finally {
      rows?.return?.();
    }
  }

  /** TRANSACTION_MANAGER requests: the transaction lives in this session only; SQLite is only ever read. */
  private transaction(p: Buffer) {
    const r = new Reader(p);
    r.skipAllHeaders();
    const request = r.u16();
    if (request === TM.BEGIN) {
      const level = r.u8();
      const descriptor = Buffer.alloc(8);
      descriptor.writeBigUInt64LE(BigInt(++this.s.transactions));
      this.tx = { descriptor, level, statements: 0 };
      this.info!.isolationLevels.push(level);
      return this.reply(envChange(8, bVarByte(descriptor), bVarByte(Buffer.alloc(0))), done(DONE.FINAL));
    }
    if (request !== TM.COMMIT && request !== TM.ROLLBACK) throw unsupported(`transaction manager request ${request}`);
    const verb = request === TM.COMMIT ? 'COMMIT' : 'ROLLBACK';
    if (!this.tx) throw new SqlError(request === TM.COMMIT ? 3902 : 3903, 16, `The ${verb} TRANSACTION request has no corresponding BEGIN TRANSACTION.`);
    const env = envChange(request === TM.COMMIT ? 9 : 10, bVarByte(Buffer.alloc(0)), bVarByte(this.tx.descriptor));
    this.tx = undefined;
    this.info!.transactionEnds.push(verb);
    this.reply(env, done(DONE.FINAL));
  }
}
