// cuelines.js: a rundown as lines of text, the way people paste an agenda ("Keynote, 20m", "Q&A, 10:00, take
// questions from the room"). The server reads the lines (one parser, its own; docs/protocol.md) and names a bad line
// in its error; this file writes a rundown's cues back as such lines, to edit and send again, and finds the line an
// error names. Pure, no DOM.

(function (TornadoTimer) {
  "use strict";

  /** @type {[string, number][]} the units a length is written in, largest first, as the server writes them */
  const UNITS = [
    ["h", 3_600_000],
    ["m", 60_000],
    ["s", 1000],
    ["ms", 1],
  ];

  // Where Python's str.splitlines(), which the server reads the lines with, breaks a line (so that "line 3" is the
  // same line here); the separators \x1c to \x1e are among them.
  // eslint-disable-next-line no-control-regex
  const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

  /**
   * A cue's length as the server reads it back exactly: "20m", "1h30m", "1m30s", "45s", "1s500ms".
   * @param {number} ms
   * @returns {string}
   */
  function lengthText(ms) {
    let rest = Math.max(0, Math.round(ms));
    let text = "";
    for (const [unit, size] of UNITS) {
      const amount = Math.floor(rest / size);
      rest -= amount * size;
      if (amount) text += `${amount}${unit}`;
    }
    return text || "0s";
  }

  /**
   * One cue as a line: "title, length" or "title, length, note". A line break inside a title or a note (possible in
   * a rundown sent as a list) becomes a space, so that each cue stays one line.
   * @param {Cue} cue
   * @returns {string}
   */
  function cueLine(cue) {
    /** @param {string} text */
    const oneLine = (text) => text.split(LINE_BREAK).join(" ");
    const fields = [oneLine(cue.title), lengthText(cue.duration_ms)];
    if (cue.note) fields.push(oneLine(cue.note));
    return fields.join(", ");
  }

  /**
   * The cues as the text of the agenda box, one line each.
   * @param {readonly Cue[]} cues
   * @returns {string}
   */
  function cueLines(cues) {
    return cues.map((cue) => cueLine(cue) + "\n").join("");
  }

  /**
   * Whether `text` has a line that would be a cue (not blank, not a `#` comment). Sending none would remove the
   * rundown, which the page asks for only with its Remove button.
   * @param {string} text
   * @returns {boolean}
   */
  function hasCueLine(text) {
    return text.split(LINE_BREAK).some((line) => line.trim() !== "" && !line.trim().startsWith("#"));
  }

  /**
   * The line an error of the server's names ("line 3: ..."), from 1; null when it names none.
   * @param {string} message
   * @returns {number | null}
   */
  function lineOfError(message) {
    const match = /^line (\d+):/.exec(message);
    return match ? Number(match[1]) : null;
  }

  /**
   * Where line `number` (from 1) of `text` begins and ends, to select it; null if `text` has no such line.
   * @param {string} text
   * @param {number} number
   * @returns {{ start: number, end: number } | null}
   */
  function lineSpan(text, number) {
    const breaks = new RegExp(LINE_BREAK.source, "g");
    let start = 0;
    for (let line = 1; line < number; line++) {
      const found = breaks.exec(text);
      if (!found) return null;
      start = found.index + found[0].length;
    }
    breaks.lastIndex = start;
    const after = breaks.exec(text);
    return { start, end: after ? after.index : text.length };
  }

  TornadoTimer.cueLines = { lengthText, cueLine, cueLines, hasCueLine, lineOfError, lineSpan };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
