// Minimal RFC 4180 CSV reader that remembers the line each record starts on, so every input
// error can name its line. Quoted fields may contain commas, quotes ("") and newlines.

export interface CsvRecord {
  line: number;
  fields: string[];
}

export function* readCsv(text: string): Generator<CsvRecord> {
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0; // byte-order mark
  let line = 1;
  while (i < text.length) {
    const startLine = line;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    let atFieldStart = true;
    for (; i < text.length; i++) {
      const ch = text[i];
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') {
            field += '"';
            i++;
          } else quoted = false;
        } else {
          if (ch === "\n") line++;
          field += ch;
        }
      } else if (ch === '"' && atFieldStart) {
        quoted = true;
        atFieldStart = false;
      } else if (ch === ",") {
        fields.push(field);
        field = "";
        atFieldStart = true;
      } else if (ch === "\n" || ch === "\r") {
        if (ch === "\r" && text[i + 1] === "\n") i++;
        i++;
        line++;
        break;
      } else {
        field += ch;
        atFieldStart = false;
      }
    }
    if (quoted) throw new InputError(startLine, "unterminated quoted field");
    fields.push(field);
    if (fields.length === 1 && fields[0].trim() === "") continue; // blank line
    yield { line: startLine, fields };
  }
}

export class InputError extends Error {
  constructor(
    readonly line: number | null,
    message: string,
  ) {
    super(line === null ? message : `line ${line}: ${message}`);
    this.name = "InputError";
  }
}
