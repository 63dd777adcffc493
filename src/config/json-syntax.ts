/**
 * Where a JSON text goes wrong, as line:column. Bun's JSON.parse (JavaScriptCore) says only
 * "Expected '}'" with no position, so this scanner walks the text by the RFC 8259 grammar and
 * stops at the first byte that cannot continue it. It runs only after JSON.parse has failed.
 */
export interface SyntaxProblem { line: number; column: number; message: string }

class Stop extends Error {
  readonly at: number;
  constructor(at: number, message: string) {
    super(message);
    this.at = at;
  }
}

export function findSyntaxError(text: string): SyntaxProblem | undefined {
  let i = 0;
  const ws = () => { while (i < text.length && " \t\r\n".includes(text[i]!)) i++; };
  const fail = (what: string): never => {
    const got = i >= text.length ? "the end of the file" : JSON.stringify(text[i]);
    throw new Stop(i, `expected ${what}, found ${got}`);
  };
  const literal = (word: string) => { if (text.startsWith(word, i)) i += word.length; else fail("a value"); };
  const string = () => {
    i++;
    while (i < text.length && text[i] !== '"') {
      const c = text.charCodeAt(i);
      if (c < 0x20) fail("a closing quote (a line break inside a string must be written \\n)");
      if (text[i] === "\\") {
        i++;
        if (text[i] === "u" && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 4;
        else if (!'"\\/bfnrt'.includes(text[i] ?? "x")) fail("an escape such as \\n, \\\" or \\u00e9");
      }
      i++;
    }
    if (i >= text.length) fail("a closing quote");
    i++;
  };
  const number = () => {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!m) fail("a value");
    i += m![0].length;
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === "{") return object();
    if (c === "[") return array();
    if (c === '"') return string();
    if (c === "t") return literal("true");
    if (c === "f") return literal("false");
    if (c === "n") return literal("null");
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) return number();
    fail("a value");
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === "}") return void i++;
    for (;;) {
      ws();
      if (text[i] !== '"') fail(text[i] === "}" ? 'a field name (no comma before "}")' : "a field name in double quotes");
      string();
      ws();
      if (text[i] !== ":") fail('":" after the field name');
      i++;
      value();
      ws();
      if (text[i] === ",") { i++; continue; }
      if (text[i] === "}") return void i++;
      fail('"," or "}"');
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === "]") return void i++;
    for (;;) {
      value();
      ws();
      if (text[i] === ",") {
        i++;
        ws();
        if (text[i] === "]") fail('a value (no comma before "]")');
        continue;
      }
      if (text[i] === "]") return void i++;
      fail('"," or "]"');
    }
  };
  try {
    value();
    ws();
    if (i < text.length) fail("the end of the file after the top-level object");
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { ...lineColumn(text, e.at), message: e.message };
  }
}

/** 1-based line and column (in characters), as editors show them. */
export function lineColumn(text: string, at: number): { line: number; column: number } {
  const before = text.slice(0, at);
  const line = before.split("\n").length;
  return { line, column: at - (before.lastIndexOf("\n") + 1) + 1 };
}
