/**
 * Text for a terminal, made safe: control characters from data (a CSV header, an imported label, a git
 * fact) could otherwise retitle the window, clear the screen or move the cursor. Every C0 control but
 * tab and newline, DEL, every C1 control and the Unicode bidirectional overrides are written as visible
 * escapes (`\x1b`, `\u202e`). With `keepColors`, the colour sequences mlship itself writes pass
 * through: SGR with the codes chalk uses for colours and weight (not conceal, blink or reverse, which
 * data could use to hide what follows); nothing else that starts with ESC does.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
// eslint-disable-next-line no-control-regex -- the SGR colour sequences chalk writes
const SGR = /\u001b\[(?:0|1|2|3|4|22|23|24|3[0-9]|9[0-7])m/g;

const visible = (char: string) => {
  const code = char.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

export function escapeTerminalText(text: string, options: { keepColors?: boolean } = {}): string {
  if (!options.keepColors) return text.replace(UNSAFE, visible);
  let out = '';
  let last = 0;
  for (const match of text.matchAll(SGR)) {
    out += text.slice(last, match.index).replace(UNSAFE, visible) + match[0];
    last = match.index + match[0].length;
  }
  return out + text.slice(last).replace(UNSAFE, visible);
}
