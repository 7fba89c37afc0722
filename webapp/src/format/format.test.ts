import { describe, expect, it } from 'vitest';
import { formatMoney, formatRatio, humanize, isE164, parseMoneyInput } from './format';

describe('formatMoney', () => {
  it('formats decimal strings as currency with grouping and cents', () => {
    expect(formatMoney('1234.5')).toBe('$1,234.50');
    expect(formatMoney('0.10', 'USD')).toBe('$0.10');
  });

  it('keeps every digit of amounts a float would round', () => {
    expect(formatMoney('90071992547409.93')).toBe('$90,071,992,547,409.93');
    expect(formatMoney('0.105')).toBe('$0.11');
  });

  it('uses the account currency', () => {
    expect(formatMoney('10', 'EUR')).toBe('€10.00');
  });

  it('shows negative balances with a minus sign', () => {
    expect(formatMoney('-42.00')).toBe('-$42.00');
  });

  it('shows a dash for missing or malformed amounts', () => {
    expect(formatMoney(null)).toBe('—');
    expect(formatMoney('12,00')).toBe('—');
    expect(formatMoney('abc')).toBe('—');
  });
});

describe('other formats', () => {
  it('turns a cost ratio into a percentage', () => {
    expect(formatRatio('0.2500')).toBe('25.00%');
    expect(formatRatio('0.1957')).toBe('19.57%');
  });

  it('checks international phone numbers', () => {
    expect(isE164('+14155550123')).toBe(true);
    expect(isE164('4155550123')).toBe(false);
    expect(isE164('+0123456789')).toBe(false);
  });

  it('reads typed amounts into decimal strings', () => {
    expect(parseMoneyInput('$85,000.50')).toBe('85000.50');
    expect(parseMoneyInput('12.345')).toBeNull();
    expect(parseMoneyInput('-5')).toBeNull();
  });

  it('humanizes API words', () => {
    expect(humanize('needs_relink')).toBe('Needs relink');
    expect(humanize(null)).toBe('—');
  });
});
