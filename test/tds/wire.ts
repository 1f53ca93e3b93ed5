/**
 * TDS 7.4 byte encodings for the test server: the tokens it sends and the
 * parameter values clients send. Facts: /work/shared/notes/tds-protocol.md.
 * Everything is little-endian unless a comment says otherwise.
 */

export const PACKET = { BATCH: 0x01, RPC: 0x03, REPLY: 0x04, ATTENTION: 0x06, LOGIN7: 0x10, TM: 0x0e, PRELOGIN: 0x12 } as const;
export const DONE = { FINAL: 0, MORE: 0x01, ERROR: 0x02, COUNT: 0x10, ATTN: 0x20 } as const;
const TOKEN = { COLMETADATA: 0x81, ERROR: 0xaa, LOGINACK: 0xad, ROW: 0xd1, ENVCHANGE: 0xe3, RETURNSTATUS: 0x79, DONE: 0xfd, DONEPROC: 0xfe, DONEINPROC: 0xff };

/** Latin1_General_CI_AS. tedious copies the login collation into VARCHAR parameters, so it must be sent. */
export const COLLATION = Buffer.from([0x09, 0x04, 0xd0, 0x00, 0x34]);
const SERVER_NAME = 'TDSTEST';

/** A T-SQL error as the client should see it. */
export class SqlError extends Error {
  constructor(readonly number: number, readonly cls: number, message: string) {
    super(message);
  }
}
export const unsupported = (what: string) => new SqlError(50000, 16, `The TDS test server does not support ${what}.`);

const u8 = (n: number) => Buffer.from([n]);
const alloc = (size: number, write: (b: Buffer) => unknown) => {
  const b = Buffer.alloc(size);
  write(b);
  return b;
};
const u16 = (n: number) => alloc(2, (b) => b.writeUInt16LE(n));
const u32 = (n: number) => alloc(4, (b) => b.writeUInt32LE(n));
const u64 = (n: number | bigint) => alloc(8, (b) => b.writeBigUInt64LE(BigInt(n)));
const ucs2 = (s: string) => Buffer.from(s, 'utf16le');
export const bVarChar = (s: string) => Buffer.concat([u8(s.length), ucs2(s)]);
const usVarChar = (s: string) => Buffer.concat([u16(s.length), ucs2(s)]);
export const bVarByte = (b: Buffer) => Buffer.concat([u8(b.length), b]);

// ---- Tokens ---------------------------------------------------------------

/** DONE, DONEPROC or DONEINPROC: status, current command, and a u64 row count (TDS 7.2+). */
export function done(status: number, rowCount = 0, token = TOKEN.DONE): Buffer {
  return Buffer.concat([u8(token), u16(status), u16(0), u64(rowCount)]);
}
export const doneProc = (status: number) => done(status, 0, TOKEN.DONEPROC);
export const doneInProc = (status: number, rowCount: number) => done(status, rowCount, TOKEN.DONEINPROC);
export const returnStatus = (value: number) => Buffer.concat([u8(TOKEN.RETURNSTATUS), u32(value)]);

/** ENVCHANGE; the values come already encoded (B_VARCHAR for names, B_VARBYTE for collation and transactions). */
export function envChange(type: number, newValue: Buffer, oldValue: Buffer): Buffer {
  const body = Buffer.concat([u8(type), newValue, oldValue]);
  return Buffer.concat([u8(TOKEN.ENVCHANGE), u16(body.length), body]);
}

/** ERROR token (INFO has the same layout, token 0xAB). */
export function errorToken(e: SqlError): Buffer {
  const body = Buffer.concat([u32(e.number), u8(1), u8(e.cls), usVarChar(e.message), bVarChar(SERVER_NAME), bVarChar(''), u32(1)]);
  return Buffer.concat([u8(TOKEN.ERROR), u16(body.length), body]);
}

export function loginAck(): Buffer {
  const version = Buffer.from([0x74, 0x00, 0x00, 0x04]); // TDS 7.4, big-endian here alone
  const body = Buffer.concat([u8(1), version, bVarChar('TDS test server'), Buffer.from([16, 0, 0x07, 0xd0])]);
  return Buffer.concat([u8(TOKEN.LOGINACK), u16(body.length), body]);
}

// ---- Column types and row values ------------------------------------------

/** A result column type: its TYPE_INFO and how a SQLite value becomes its ROW bytes. */
export interface ColumnType {
  readonly info: Buffer;
  value(v: unknown): Buffer;
}

/** A nullable fixed-size type: a length byte (0 is NULL), then the value. */
const fixed = (info: number[], size: number, write: (b: Buffer, v: unknown) => unknown): ColumnType => ({
  info: Buffer.from(info),
  value: (v) => (v == null ? u8(0) : Buffer.concat([u8(size), alloc(size, (b) => write(b, v))])),
});

// SQLite stores dates as 'YYYY-MM-DD'; TDS counts days since 0001-01-01, which is 719162 days before 1970-01-01.
const EPOCH_DAYS = 719162;
const MS_PER_DAY = 86_400_000;
function isoToDays(v: unknown): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(String(v));
  if (!m) throw new SqlError(241, 16, `Conversion failed when converting date and/or time from character string '${String(v)}'.`);
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3])); // not Date.UTC: it maps years 0-99 to 19xx
  return d.getTime() / MS_PER_DAY + EPOCH_DAYS;
}
const daysToIso = (days: number) => new Date((days - EPOCH_DAYS) * MS_PER_DAY).toISOString().slice(0, 10);

// A GUID's first three groups are little-endian on the wire; its text is what SQL Server shows.
const GUID_ORDER = [3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15];
function guidBytes(v: unknown): Buffer {
  const hex = String(v).replace(/-/g, '');
  if (!/^[0-9a-f]{32}$/i.test(hex)) throw new SqlError(8169, 16, 'Conversion failed when converting from a character string to uniqueidentifier.');
  const raw = Buffer.from(hex, 'hex');
  return Buffer.from(GUID_ORDER.map((i) => raw[i]!));
}
function guidText(b: Buffer): string {
  const raw = Buffer.alloc(16);
  GUID_ORDER.forEach((from, to) => (raw[from] = b[to]!));
  const h = raw.toString('hex').toUpperCase();
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export const TYPES = {
  guid: fixed([0x24, 0x10], 16, (b, v) => guidBytes(v).copy(b)),
  date: fixed([0x28], 3, (b, v) => b.writeUIntLE(isoToDays(v), 0, 3)),
  bit: fixed([0x68, 1], 1, (b, v) => (b[0] = Number(v) ? 1 : 0)),
  tinyint: fixed([0x26, 1], 1, (b, v) => b.writeUInt8(Number(v))),
  int: fixed([0x26, 4], 4, (b, v) => b.writeInt32LE(Number(v))),
  bigint: fixed([0x26, 8], 8, (b, v) => b.writeBigInt64LE(BigInt(v as number))),
  float: fixed([0x6d, 8], 8, (b, v) => b.writeDoubleLE(Number(v))),
  /** NVARCHAR(n), n in characters; 0 means NVARCHAR(MAX), whose values travel as PLP chunks. */
  nvarchar(n: number): ColumnType {
    const max = n === 0 || n > 4000;
    return {
      info: Buffer.concat([u8(0xe7), u16(max ? 0xffff : n * 2), COLLATION]),
      value(v) {
        if (v == null) return max ? u64(0xffff_ffff_ffff_ffffn) : u16(0xffff);
        const text = ucs2(String(v));
        if (!max) return Buffer.concat([u16(text.length), text]);
        const chunk = text.length ? [u32(text.length), text] : [];
        return Buffer.concat([u64(text.length), ...chunk, u32(0)]);
      },
    };
  },
} satisfies Record<string, ColumnType | ((n: number) => ColumnType)>;

export function colMetadata(columns: readonly { name: string; type: ColumnType }[]): Buffer {
  const parts = columns.map((c) => Buffer.concat([u32(0), u16(0x0001 /* nullable */), c.type.info, bVarChar(c.name.slice(0, 128))]));
  return Buffer.concat([u8(TOKEN.COLMETADATA), u16(columns.length), ...parts]);
}

export function row(columns: readonly { type: ColumnType }[], values: readonly unknown[]): Buffer {
  return Buffer.concat([u8(TOKEN.ROW), ...columns.map((c, i) => c.type.value(values[i]))]);
}

// ---- Reading client payloads ----------------------------------------------

/** A cursor over a client message; reading past its end is a malformed message. */
export class Reader {
  private at = 0;
  constructor(readonly buf: Buffer) {}
  get done() {
    return this.at >= this.buf.length;
  }
  bytes(n: number): Buffer {
    if (this.at + n > this.buf.length) throw unsupported('this message (it ends early)');
    return this.buf.subarray(this.at, (this.at += n));
  }
  u8 = () => this.bytes(1)[0]!;
  u16 = () => this.bytes(2).readUInt16LE();
  u32 = () => this.bytes(4).readUInt32LE();
  ucs2 = (chars: number) => this.bytes(chars * 2).toString('utf16le');
  bVarChar = () => this.ucs2(this.u8());
  /** Skips ALL_HEADERS, which open batches, RPCs and transaction requests; its u32 length counts itself. */
  skipAllHeaders() {
    this.bytes(this.u32() - 4);
  }
  /** A PLP value: u64 total (all ones = NULL), then u32-length chunks up to a zero-length one. */
  plp(): Buffer | null {
    const total = this.bytes(8);
    if (total.every((b) => b === 0xff)) return null;
    const chunks: Buffer[] = [];
    for (let n = this.u32(); n > 0; n = this.u32()) chunks.push(this.bytes(n));
    return Buffer.concat(chunks);
  }
}

/**
 * One RPC parameter value: TYPE_INFO, then the value. SQLite binds numbers,
 * strings and null, so dates become the 'YYYY-MM-DD' text the tables hold and
 * GUIDs the upper-case text SQL Server shows.
 */
export function readParamValue(r: Reader): unknown {
  const type = r.u8();
  if ([0xe7, 0xef, 0xa7, 0xaf].includes(type)) { // NVARCHAR, NCHAR, VARCHAR, CHAR
    const max = r.u16();
    r.bytes(5); // collation
    const data = max === 0xffff ? r.plp() : ((n) => (n === 0xffff ? null : r.bytes(n)))(r.u16());
    return data && data.toString(type === 0xe7 || type === 0xef ? 'utf16le' : 'latin1');
  }
  if (![0x26, 0x68, 0x6d, 0x24, 0x28, 0x2a, 0x6f].includes(type)) throw unsupported(`parameters of TDS type 0x${type.toString(16)}`);
  // The rest: TYPE_INFO holds a size or a scale byte (DATE none), and the value is a length byte (0 is NULL) and its bytes.
  const scale = type === 0x28 ? 0 : r.u8();
  const b = r.bytes(r.u8());
  if (!b.length) return null;
  switch (type) {
    case 0x26: { // INTN
      if (b.length < 8) return b.length === 1 ? b[0] : b.readIntLE(0, b.length); // TINYINT is unsigned
      const n = b.readBigInt64LE();
      return n >= Number.MIN_SAFE_INTEGER && n <= Number.MAX_SAFE_INTEGER ? Number(n) : n;
    }
    case 0x68: // BITN: SQLite has no booleans
      return b[0];
    case 0x6d: // FLTN
      return b.length === 4 ? b.readFloatLE() : b.readDoubleLE();
    case 0x24: // UNIQUEIDENTIFIER
      return guidText(b);
    case 0x28: // DATE
      return daysToIso(b.readUIntLE(0, 3));
    case 0x2a: // DATETIME2(scale): time in 10^-scale s, then the days
      return dateTimeText(b.readUIntLE(b.length - 3, 3), (b.readUIntLE(0, b.length - 3) / 10 ** scale) * 1000);
    default: // DATETIMEN: days since 1900-01-01 (693595 days after 0001-01-01), then 1/300 s ticks; or SMALLDATETIME
      if (b.length === 4) return dateTimeText(b.readUInt16LE(0) + 693595, b.readUInt16LE(2) * 60_000);
      return dateTimeText(b.readInt32LE(0) + 693595, Math.round((b.readUInt32LE(4) * 10) / 3));
  }
}

/** Midnight stays 'YYYY-MM-DD' so it compares equal to the date text the tables hold. */
function dateTimeText(days: number, ms: number): string {
  const date = daysToIso(days);
  return ms === 0 ? date : `${date} ${new Date(ms).toISOString().slice(11, 23)}`;
}
