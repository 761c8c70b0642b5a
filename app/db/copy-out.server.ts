import { StringDecoder } from "node:string_decoder";
import pg from "pg";

// `COPY (query) TO STDOUT` through a plain `pg` connection: one statement, one plan, rows streamed
// to the caller line by line as PostgreSQL sends them (no result set held in memory, no pages
// re-planned). Text format: free text needs `copyField` to undo COPY's escapes.

/** A COPY text field back to its text (null for COPY's null marker): backslash escapes undone. */
export function copyField(field: string): string | null {
  if (field === "\\N") return null;
  if (!field.includes("\\")) return field;
  const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", v: "\v", "\\": "\\" };
  return field.replace(/\\(.)/g, (_, c: string) => escapes[c] ?? c);
}

class CopyOut implements pg.Submittable {
  private rest = "";
  // A chunk may end inside a multi-byte character: the decoder keeps its first bytes for the next.
  private readonly decoder = new StringDecoder("utf8");
  private error: Error | null = null;
  private finished = false;
  constructor(
    readonly text: string,
    private readonly onLine: (fields: string[]) => void,
    private readonly done: (error: Error | null) => void,
  ) {}

  submit(connection: pg.Connection) {
    connection.query(this.text);
  }

  handleCopyData(message: { chunk: Buffer }) {
    if (this.error) return;
    const text = this.rest + this.decoder.write(message.chunk);
    let start = 0;
    try {
      for (let end = text.indexOf("\n", start); end >= 0; end = text.indexOf("\n", start)) {
        this.onLine(text.slice(start, end).split("\t"));
        start = end + 1;
      }
    } catch (error) {
      // Keep reading (the server finishes the COPY) but report the first failure at the end.
      this.error = error as Error;
    }
    this.rest = text.slice(start);
  }

  handleError(error: Error) {
    this.error ??= error;
    // PostgreSQL's own errors are followed by ReadyForQuery; a lost connection sends nothing more.
    if (!(error instanceof pg.DatabaseError)) this.finish();
  }

  handleReadyForQuery() {
    this.finish();
  }

  private finish() {
    if (this.finished) return;
    this.finished = true;
    this.done(this.error);
  }

  // What pg calls on any query; a COPY TO sends none of these but the completion.
  handleRowDescription() {}
  handleDataRow() {}
  handleCommandComplete() {}
  handleEmptyQuery() {}
  handlePortalSuspended() {}
  handleCopyInResponse() {
    this.error ??= new Error("COPY FROM is not supported here");
  }
}

/** Streams `COPY (sql) TO STDOUT` rows to `onLine` as arrays of column texts (NULL is `\N`). */
export function copyOut(client: pg.Client, sql: string, onLine: (fields: string[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const query = new CopyOut(`COPY (${sql}) TO STDOUT`, onLine, (error) => (error ? reject(error) : resolve()));
    client.query(query);
  });
}
