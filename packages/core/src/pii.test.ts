import { detectPii, isPiiPlaceholder, maskPii, PiiMasker, quoteDataValue } from './pii.js';

describe('PII detectors', () => {
  it.each([
    ['email', 'jane.doe@example.org', 'contact jane.doe7@example.org about the renewal'],
    ['phone', '+44 20 7946 0958', 'call me on +44 20 7946 0321 after 5'],
    ['phone', '(415) 555-0132', 'office (415) 555-0199 or mobile'],
    ['phone', '+1-202-555-0173', 'reach her at 202-555-0188 any day'],
    ['card_number', '4111 1111 1111 1111', 'paid with 5500-0000-0000-0004 last week'],
    ['card_number', '4012888888881881', 'card 378282246310005 was declined'],
    ['iban', 'GB82 WEST 1234 5698 7654 32', 'refund to DE89 3704 0044 0532 0130 00 AND close'],
    ['iban', 'FR1420041010050500013M02606', 'iban NL91ABNA0417164300 on file'],
    ['ip_address', '192.168.10.23', 'login from 10.20.30.40 failed twice'],
    ['ip_address', '2001:db8::8a2e:370:7334', 'seen at fe80::1ff:fe23:4567:890a yesterday'],
    ['national_id', '123-45-6789', 'ssn 234-56-7890 on file'],
    ['national_id', 'AB123456C', 'NI number CE 65 43 21 A verified'],
  ])('finds %s as a whole value (%s) and inside free text', (kind, value, text) => {
    expect(detectPii(value)).toBe(kind);
    expect(detectPii(text)).toBe(kind);
  });

  it('takes integers of 13 to 19 digits that pass Luhn for card numbers, and no other number', () => {
    expect(detectPii(4012888888881881)).toBe('card_number');
    expect(detectPii(4012888888881882)).toBeUndefined();
    expect(detectPii(5.1)).toBeUndefined();
    expect(detectPii(123456789)).toBeUndefined();
    expect(detectPii(true)).toBeUndefined();
    expect(detectPii(null)).toBeUndefined();
    // Numbers written as text are judged as numbers: long decimals are no phones.
    expect(detectPii('1443.3333333333333')).toBeUndefined();
    expect(detectPii('-20.123456789')).toBeUndefined();
    expect(detectPii('4012888888881881')).toBe('card_number');
    expect(detectPii('+442079460958')).toBe('phone');
  });

  it('flags no ordinary data: measurements, labels, dates, times, versions, prices, ids', () => {
    const ordinary = [
      '5.1', 'setosa', 'Iris-versicolor', '2024-01-02', '2024-01-02 10:00:00', '2024-01-02T10:00:00Z', '10:30:00', '123456', 'hello there',
      'version 1.2.3 released', 'order 12345 shipped 2024-03-04 10:15', 'costs 1,234,567.89 EUR', 'between 3.5 and 4.25 kg', 'room 101, floor 3',
      'measured 2024-05-06 at 14:00 and 2024-05-07 at 09:30', 'asked about pricing (17)', 'ticket #99812 closed', 'x'.repeat(5000),
    ];
    for (const value of ordinary) expect([value.slice(0, 30), detectPii(value)]).toEqual([value.slice(0, 30), undefined]);
  });

  it('searches long text in linear time (no catastrophic backtracking around an @)', () => {
    const hostile = `${'a'.repeat(60_000)}@${'b.'.repeat(2_000)}`;
    const started = performance.now();
    expect(detectPii(hostile)).toBeUndefined();
    expect(detectPii(`${'1 '.repeat(30_000)}`)).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('masks a flagged value whole, counts it, and leaves placeholders and other values alone', () => {
    expect(maskPii('contact jane.doe@example.org today')).toBe('<email>');
    expect(maskPii('setosa')).toBe('setosa');
    expect(maskPii(4012888888881881)).toBe('<card_number>');
    expect(isPiiPlaceholder('<email>')).toBe(true);
    expect(isPiiPlaceholder('<b>')).toBe(false);
    const masker = new PiiMasker();
    expect([masker.mask('a@example.org'), masker.mask('a@example.org', 3), masker.mask('+44 20 7946 0958'), masker.mask('<email>')]).toEqual(['<email>', '<email>', '<phone>', '<email>']);
    expect(masker.counts).toEqual({ email: 4, phone: 1 });
    expect(masker.flagged).toBe(5);
  });

  it('quotes data values for messages masked and cut short', () => {
    expect(quoteDataValue('jane@example.org')).toBe('"<email>"');
    expect(quoteDataValue('abc')).toBe('"abc"');
    expect(quoteDataValue('y'.repeat(100))).toHaveLength(40);
    expect(quoteDataValue(null)).toBe('null');
  });
});
