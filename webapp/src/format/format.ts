/**
 * Display formatting. Money arrives as decimal strings and is handed to Intl as a string,
 * which formats it exactly: no float ever touches an amount.
 */
const DECIMAL = /^-?\d+(\.\d+)?$/;
const LOCALE = 'en-US';

type NumericString = `${number}`;

export function isDecimal(value: unknown): value is string {
  return typeof value === 'string' && DECIMAL.test(value.trim());
}

/** "1234.5" in USD -> "$1,234.50"; anything that is not a decimal -> an em dash. */
export function formatMoney(amount: string | null | undefined, currency: string | null = 'USD'): string {
  if (!isDecimal(amount)) return '—';
  const code = currency && /^[A-Z]{3}$/.test(currency) ? currency : 'USD';
  return new Intl.NumberFormat(LOCALE, { style: 'currency', currency: code }).format(amount.trim() as NumericString);
}

/** A ratio string ("0.2500") as a percentage ("25.00%"). */
export function formatRatio(ratio: string | null | undefined): string {
  if (!isDecimal(ratio)) return '—';
  return new Intl.NumberFormat(LOCALE, {
    style: 'percent',
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  }).format(ratio.trim() as NumericString);
}

const dateTimeFormat = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'medium', timeStyle: 'short' });
const timeFormat = new Intl.DateTimeFormat(LOCALE, { timeStyle: 'short' });

/** An ISO timestamp in the advisor's time zone, e.g. "Mar 4, 2025, 2:30 PM". */
export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? '—' : dateTimeFormat.format(date);
}

/** A start–end range on one line: "Mar 4, 2025, 2:30 PM – 3:00 PM". */
export function formatRange(startIso: string, endIso: string): string {
  const start = new Date(startIso);
  const end = new Date(endIso);
  if (Number.isNaN(start.getTime()) || Number.isNaN(end.getTime())) return '—';
  const sameDay = start.toDateString() === end.toDateString();
  return `${dateTimeFormat.format(start)} – ${sameDay ? timeFormat.format(end) : dateTimeFormat.format(end)}`;
}

/** snake_case or lower-case words from the API, in sentence case for labels. */
export function humanize(value: string | null | undefined): string {
  if (!value) return '—';
  const words = value.replace(/_/g, ' ').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** E.164 check the bff also makes: "+" then 8 to 15 digits, no leading zero. */
export function isE164(phone: string | null | undefined): boolean {
  return typeof phone === 'string' && /^\+[1-9]\d{7,14}$/.test(phone);
}

/** A value typed into a money field, normalized to the bff's decimal string, or null. */
export function parseMoneyInput(text: string): string | null {
  const cleaned = text.replace(/[,$\s]/g, '');
  if (!/^\d+(\.\d{1,2})?$/.test(cleaned)) return null;
  return cleaned;
}
