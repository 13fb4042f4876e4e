import { escapeTerminalText } from './terminal-text.js';

describe('escapeTerminalText', () => {
  it('writes control characters, DEL, C1 controls and bidi overrides as visible escapes; keeps tabs, newlines and text', () => {
    expect(escapeTerminalText('\u001b]0;PWNED\u0007\u001b[2Jok')).toBe('\\x1b]0;PWNED\\x07\\x1b[2Jok');
    expect(escapeTerminalText('a\tb\nc\rd\u007f\u009b\u202eé')).toBe('a\tb\nc\\x0dd\\x7f\\x9b\\u202eé');
    expect(escapeTerminalText('plain ✔ text')).toBe('plain ✔ text');
  });

  it('keeps the colour sequences mlship writes only when asked, and never screen, cursor, title, conceal or blink sequences', () => {
    const colored = '\u001b[32m✔\u001b[39m done \u001b[1mbold\u001b[22m';
    expect(escapeTerminalText(colored, { keepColors: true })).toBe(colored);
    expect(escapeTerminalText(colored)).toBe('\\x1b[32m✔\\x1b[39m done \\x1b[1mbold\\x1b[22m');
    expect(escapeTerminalText('\u001b[8mhidden\u001b[5m\u001b[2J\u001b[H\u001b]0;t\u0007', { keepColors: true })).toBe('\\x1b[8mhidden\\x1b[5m\\x1b[2J\\x1b[H\\x1b]0;t\\x07');
  });
});
