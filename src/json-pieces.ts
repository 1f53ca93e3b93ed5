/**
 * A large JSON document written as UTF-8 pieces of about a megabyte, never as
 * one string: the snapshot and the baseline are tens of megabytes, and one
 * string of them (then its Buffer) would be the run's peak of memory.
 */
const PIECE_BYTES = 1 << 20;

export interface PieceWriter {
  write(text: string): void;
  /** Hands on what is pending; call it at the end. */
  flush(): void;
}

/** `emit` gets each piece once, encoded once. */
export function pieceWriter(emit: (bytes: Buffer) => void): PieceWriter {
  let pending = '';
  const flush = () => {
    if (pending === '') return;
    emit(Buffer.from(pending, 'utf8'));
    pending = '';
  };
  return {
    write(text) {
      pending += text;
      if (pending.length >= PIECE_BYTES) flush();
    },
    flush,
  };
}

/** `"key":[…]` of a list, an item at a time, each item as `item(x)` writes it. */
export function writeList<T>(out: PieceWriter, key: string, list: readonly T[], item: (x: T) => string): void {
  out.write(`${JSON.stringify(key)}:[`);
  for (let i = 0; i < list.length; i++) {
    if (i > 0) out.write(',');
    out.write(item(list[i]!));
  }
  out.write(']');
}
