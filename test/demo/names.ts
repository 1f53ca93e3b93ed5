/**
 * Swedish names, places and personnummer for the demo generator. All data is
 * invented: names are common Swedish (and some newer Swedish) names, the
 * municipalities are made up, and personnummer are random with a valid check digit.
 */
import type { Rng } from './random';

export const GIRLS = [
  'Alice', 'Maja', 'Vera', 'Elsa', 'Wilma', 'Astrid', 'Alma', 'Saga', 'Ella', 'Selma', 'Ebba', 'Olivia', 'Agnes', 'Freja',
  'Stella', 'Signe', 'Ellen', 'Clara', 'Lilly', 'Juni', 'Majken', 'Tyra', 'Lova', 'Elvira', 'Ester', 'Siri', 'Nora', 'Märta',
  'Sigrid', 'Ronja', 'Hedda', 'Ingrid', 'Meja', 'Tuva', 'Linnéa', 'Sofia', 'Emma', 'Amira', 'Yasmin', 'Fatima', 'Sara',
  'Hanna', 'Elin', 'Julia', 'Matilda', 'Ida', 'Moa', 'Svea', 'Tilde', 'Åsa', 'Edith', 'Leah', 'Zeynep', 'Mira', 'Lejla',
];

export const BOYS = [
  'William', 'Noah', 'Hugo', 'Lucas', 'Liam', 'Oliver', 'Adam', 'Elias', 'Matteo', 'Nils', 'Ludvig', 'Alexander', 'Theo',
  'Leo', 'Arvid', 'Vincent', 'Frans', 'Gustav', 'Olle', 'Sixten', 'Ebbe', 'Måns', 'Loke', 'Edvin', 'Melvin', 'Vidar',
  'Viggo', 'Harry', 'Elton', 'Axel', 'Isak', 'Emil', 'Jonathan', 'Omar', 'Ali', 'Mohammed', 'Yusuf', 'Adrian', 'Ibrahim',
  'Malte', 'Björn', 'Sören', 'Tage', 'Ture', 'Sigge', 'Albin', 'Anton', 'Filip', 'Gösta', 'Jöns', 'Aron', 'Kevin',
];

export const WOMEN = [
  'Anna', 'Eva', 'Karin', 'Kristina', 'Maria', 'Lena', 'Sara', 'Åsa', 'Ulrika', 'Helena', 'Malin', 'Annika', 'Birgitta',
  'Ingela', 'Lotta', 'Marie', 'Camilla', 'Jenny', 'Sofia', 'Märta', 'Gunilla', 'Anna-Karin', 'Britt-Marie', 'Ann-Sofie',
  'Linnéa', 'Ewa', 'Therese', 'Johanna', 'Emelie', 'Päivi', 'Zeynep', 'Leyla', 'Cecilia', 'Ingrid', 'Susanne', 'Pernilla',
  'Monica', 'Göril', 'Katarina', 'Frida', 'Elin', 'Amra', 'Hiba',
];

export const MEN = [
  'Lars', 'Anders', 'Johan', 'Per', 'Mikael', 'Erik', 'Karl', 'Peter', 'Jan', 'Thomas', 'Fredrik', 'Magnus', 'Mats',
  'Jonas', 'Björn', 'Göran', 'Håkan', 'Stefan', 'Jörgen', 'Per-Olof', 'Lars-Göran', 'Pär', 'Örjan', 'Ulf', 'Bengt',
  'Tobias', 'Ahmed', 'Mehmet', 'Dragan', 'Juha', 'Henrik', 'Daniel', 'Andreas', 'Niklas', 'Patrik', 'Kjell', 'Sven',
  'Rasmus', 'Emir', 'Olof', 'Tommy', 'Åke',
];

export const FAMILY = [
  'Andersson', 'Johansson', 'Karlsson', 'Nilsson', 'Eriksson', 'Larsson', 'Olsson', 'Persson', 'Svensson', 'Gustafsson',
  'Pettersson', 'Jonsson', 'Jansson', 'Hansson', 'Bengtsson', 'Jönsson', 'Lindberg', 'Jakobsson', 'Magnusson',
  'Lindström', 'Olofsson', 'Lindqvist', 'Lindgren', 'Berg', 'Axelsson', 'Bergström', 'Lundberg', 'Lind', 'Lundgren',
  'Lundqvist', 'Mattsson', 'Berglund', 'Fredriksson', 'Sandberg', 'Henriksson', 'Forsberg', 'Sjöberg', 'Ali', 'Wallin',
  'Mohammed', 'Engström', 'Eklund', 'Danielsson', 'Håkansson', 'Lundin', 'Björk', 'Bergman', 'Gunnarsson', 'Holm',
  'Wikström', 'Samuelsson', 'Isaksson', 'Fransson', 'Bergqvist', 'Nyström', 'Holmberg', 'Arvidsson', 'Löfgren',
  'Söderberg', 'Nyberg', 'Blomqvist', 'Claesson', 'Nordström', 'Mårtensson', 'Lundström', 'Ahmed', 'Viklund',
  'Björklund', 'Eliasson', 'Pålsson', 'Hassan', 'Berggren', 'Sandström', 'Lund', 'Nordin', 'Ström', 'Åberg',
  'Hermansson', 'Ekström', 'Holmgren', 'Sundberg', 'Hedlund', 'Dahlberg', 'Hellström', 'Sjögren', 'Abdi', 'Falk',
  'Öberg', 'Åström', 'Ek', 'Nguyen', 'Kovačević', 'Öztürk', 'Bäckström', 'Fältskog', 'Sjöholm', 'Östlund', 'Källström',
  'Hägglund', 'Rönnqvist', 'Törnqvist', 'Löwenhielm', 'af Klint', 'von Essen', 'Yılmaz', 'Şahin', 'Korhonen',
];

/** Made-up municipalities (kommuner). */
export const MUNICIPALITIES = ['Sjöbacka', 'Älvstorp', 'Granåsa', 'Rönnvik', 'Ekdala', 'Öbyhamn', 'Lövmora', 'Björkå'];

/** First half of school names: trees, water and landscape words. */
export const PLACE = [
  'Björk', 'Ek', 'Lind', 'Al', 'Asp', 'Gran', 'Tall', 'Rönn', 'Sälg', 'Hassel', 'Lönn', 'Ask', 'Sjö', 'Åker', 'Berg', 'Dal',
  'Äng', 'Hag', 'Lund', 'Mo', 'Näs', 'Örby', 'Vik', 'Strand', 'Kull', 'Hög', 'Back', 'Tors', 'Frö', 'Sol', 'Vall', 'Kvarn',
  'Mölle', 'Skogs', 'Sten', 'Hjort', 'Räv', 'Örn', 'Tran', 'Svan', 'Lärk', 'Fågel', 'Myr', 'Kärr', 'Bäck', 'Fors',
  'Ström', 'Hamn', 'Brunn', 'Klöver', 'Linne', 'Vete', 'Råg', 'Blåbärs', 'Lingon', 'Nypon', 'Syren', 'Flygel', 'Kyrk',
  'Prästgårds', 'Stations', 'Norr', 'Söder', 'Öster', 'Väster',
];

/** Second half of school names (…skolan). */
export const SCHOOL_ENDING = ['skolan', 'backeskolan', 'dalsskolan', 'ängsskolan', 'viksskolan', 'parkskolan', 'hagaskolan', 'åsskolan'];
/** For preschools: "<place><ending>s förskola". */
export const PRESCHOOL_ENDING = ['backen', 'ängen', 'dalen', 'viken', 'gården', 'hagen', 'lunden', 'åsen', 'skogen', 'torpet'];
/** Preschool departments (avdelningar). */
export const DEPARTMENTS = [
  'Humlan', 'Myran', 'Ekorren', 'Räven', 'Ugglan', 'Nyckelpigan', 'Igelkotten', 'Trollsländan', 'Älgen', 'Grodan',
  'Fjärilen', 'Snigeln', 'Björnen', 'Haren', 'Lodjuret', 'Vitsippan', 'Blåklockan', 'Solrosen', 'Prästkragen', 'Lingonet',
];

/**
 * ASCII folding for e-mail local parts and codes: lower case, diacritics
 * dropped (å→a, ä→a, ö→o, é→e, č→c, ş→s), spaces to hyphens.
 */
export function fold(text: string): string {
  let folded = FOLDED.get(text);
  if (folded === undefined) {
    folded = text
      .toLowerCase()
      .replace(/ı/g, 'i')
      .replace(/ø/g, 'o')
      .replace(/æ/g, 'ae')
      .replace(/ß/g, 'ss')
      .normalize('NFD')
      .replace(/\p{M}/gu, '')
      .replace(/\s+/g, '-')
      .replace(/[^a-z0-9.-]/g, '');
    FOLDED.set(text, folded);
  }
  return folded;
}
/** Names come from short lists: fold each once. */
const FOLDED = new Map<string, string>();

/** The Luhn check digit of the nine digits YYMMDDNNN. */
export function luhnDigit(nine: string): number {
  let sum = 0;
  for (let i = 0; i < nine.length; i++) {
    let v = Number(nine[i]) * (i % 2 === 0 ? 2 : 1);
    if (v > 9) v -= 9;
    sum += v;
  }
  return (10 - (sum % 10)) % 10;
}

/** Whether a 12-digit personnummer or samordningsnummer (YYYYMMDDNNNC) has a valid check digit and a real month and day. */
export function isValidPersonalNumber(pnr: string): boolean {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{3})(\d)$/.exec(pnr);
  if (!m) return false;
  const [year, month, rawDay] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const day = rawDay > 60 ? rawDay - 60 : rawDay;
  const t = new Date(Date.UTC(year, month - 1, day));
  if (t.getUTCFullYear() !== year || t.getUTCMonth() !== month - 1 || t.getUTCDate() !== day) return false;
  return luhnDigit(pnr.slice(2, 11)) === Number(m[5]);
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/**
 * A personnummer YYYYMMDDNNNC born in `year` (months up to `lastMonth`), with
 * the sex in the ninth digit (odd for men) and a valid Luhn digit. A
 * samordningsnummer has 60 added to the day. `taken` (YYYYMMDDNNN as numbers) keeps them unique.
 */
export function personalNumber(rng: Rng, year: number, male: boolean, samordning: boolean, taken: Set<number>, lastMonth = 12): string {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  for (;;) {
    const month = rng.int(1, lastMonth);
    const day = rng.int(1, month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!) + (samordning ? 60 : 0);
    const serial = rng.int(0, 99) * 10 + rng.int(0, 4) * 2 + (male ? 1 : 0);
    const key = (year * 10_000 + month * 100 + day) * 1000 + serial; // YYYYMMDDNNN as a number
    if (taken.has(key)) continue;
    taken.add(key);
    const digits = String(key);
    return digits + luhnDigit(digits.slice(2));
  }
}
