import { Option } from 'commander';
import { defaultConfigPath } from '../configure/config';
import type { Io } from './io';

/** --config, which defaults to where the setup wizard writes the configuration: the usual install needs no flag. */
export function configOption(io: Pick<Io, 'platform' | 'env'>, description = 'configuration file (procapita-sync help configuration)'): Option {
  const path = defaultConfigPath(io.platform ?? process.platform, io.env);
  // Shown as it is typed: commander would show the value as JSON, with every backslash doubled.
  return new Option('--config <file>', description).default(path, path);
}
