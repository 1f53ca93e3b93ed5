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

/** `emit` gets each piece once, encoded once: each text goes straight into the piece's buffer, never into a long string first. */
export function pieceWriter(emit: (bytes: Buffer) => void): PieceWriter {
  let piece = Buffer.allocUnsafe(PIECE_BYTES);
  let used = 0;
  const flush = () => {
    if (used === 0) return;
    emit(piece.subarray(0, used));
    piece = Buffer.allocUnsafe(PIECE_BYTES);
    used = 0;
  };
  return {
    write(text) {
      // UTF-8 takes at most 3 bytes per UTF-16 unit.
      if (used + text.length * 3 > PIECE_BYTES) {
        flush();
        if (text.length * 3 > PIECE_BYTES) return emit(Buffer.from(text, 'utf8'));
      }
      used += piece.write(text, used, 'utf8');
    },
    flush,
  };
}

/** `"key":[…]` of a list, an item at a time, each item as `item(x)` writes it. */
export function writeList<T>(out: PieceWriter, key: string, list: readonly T[], item: (x: T) => string): void {
  out.write(`${JSON.stringify(key)}:[`);
  for (let i = 0; i < list.length; i++) {
    out.write(i > 0 ? `,${item(list[i]!)}` : item(list[i]!));
  }
  out.write(']');
}
