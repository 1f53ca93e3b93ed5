import type { Config } from '../configure/config';
import type { SourceRows } from './contract';
import { readFixture } from './fixture-source';

/** The extract stage's one entry: rows per named query, whichever source the configuration names. */
export async function readSource(source: Config['source']): Promise<SourceRows> {
  switch (source.type) {
    case 'fixture':
      return readFixture(source.path);
  }
}
