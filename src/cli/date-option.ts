import { Option } from 'commander';
import { AppError } from '../errors';
import { isCalendarDate } from '../calendar-date';
import { todayInStockholm, type Io } from './io';
import { given, safe } from '../safe-text';

export const dateOption = () => new Option('--date <YYYY-MM-DD>', 'sync date (default: today in Europe/Stockholm)');

/** The sync date: --date, or today where the schools are. Read once, at the start. */
export function syncDate(option: string | undefined, io: Pick<Io, 'now'>): string {
  if (option === undefined) return todayInStockholm(io.now());
  if (!isCalendarDate(option)) throw new AppError('usage', safe`--date ${given(option)} is not a calendar date. Use YYYY-MM-DD, e.g. --date 2026-08-20.`);
  return option;
}
