/**
 * The Windows exe as a file, read from its PE headers: what Windows checks
 * before it runs a line of it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { requireBinary, WINDOWS_EXE } from './support';

function peHeaders(bytes: Buffer) {
  const pe = bytes.readUInt32LE(0x3c);
  const optional = pe + 24;
  return {
    dosMagic: bytes.toString('latin1', 0, 2),
    peSignature: bytes.toString('latin1', pe, pe + 4),
    machine: bytes.readUInt16LE(pe + 4),
    optionalMagic: bytes.readUInt16LE(optional),
    subsystem: bytes.readUInt16LE(optional + 68),
    // Data directory 4 (PE32+: the directories start 112 bytes into the optional header): the Authenticode certificate table.
    certificateTable: { offset: bytes.readUInt32LE(optional + 112 + 4 * 8), size: bytes.readUInt32LE(optional + 112 + 4 * 8 + 4) },
  };
}

describe('dist/procapita-sync.exe', () => {
  it('is a 64-bit Windows console program, with no signature left from node.exe', () => {
    const headers = peHeaders(readFileSync(requireBinary(WINDOWS_EXE)));
    expect(headers).toEqual({
      dosMagic: 'MZ',
      peSignature: 'PE\0\0',
      machine: 0x8664, // x86-64
      optionalMagic: 0x20b, // PE32+
      subsystem: 3, // Windows console: the wizard and run print to the console they were started from
      // osslsigncode remove-signature took node.exe's signature off before pkg injected the program; a leftover
      // would now be a corrupt signature. A release signed with SIGN_PKCS12 has one again: test/exe runs on unsigned builds.
      certificateTable: { offset: 0, size: 0 },
    });
  });
});
