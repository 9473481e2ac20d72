/**
 * One line at the bottom of a terminal, rewritten in place (`\r` + erase line). Log lines are
 * printed above it: erase, print the line, draw the status again.
 */
export class StatusLine {
  #text = '';

  constructor(readonly out: NodeJS.WriteStream) {}

  /** The columns a status may use without wrapping. */
  get width(): number {
    return (this.out.columns ?? 80) - 1;
  }

  /** Replaces the status text (cut to the terminal's width, as a last resort, so it never wraps). */
  set(text: string): void {
    const width = (this.out.columns ?? 80) - 1;
    this.#text = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.out.write(`\r\x1b[K${this.#text}`);
  }

  /** Prints `line` (one or more lines, no trailing newline) above the status. */
  printAbove(line: string): void {
    this.out.write(`\r\x1b[K${line}\n${this.#text}`);
  }

  /** Erases the status; what is printed next starts at the beginning of the line. */
  clear(): void {
    if (this.#text !== '') this.out.write('\r\x1b[K');
    this.#text = '';
  }
}
