// nownext.js: the rundown on every screen. Under the digits, NOW and the title of the cue on, NEXT and the one after
// it (from each state's `cue` and `next_cue`), and, for the presenter, the cue's note. Nothing while the timer has no
// rundown or no cue is on. Titles and notes come from the network and are set with textContent only.
//
// Who sees the note: the presenter view (?view=stage, the speaker's confidence monitor) and a controller's page (the
// operator). A viewer's page does not: a view-only link is what the audience opens on their phones, and a note is a
// word for the presenter ("take questions from the room", "thank the sponsors"), like a speaker's notes.

(function (TornadoTimer) {
  "use strict";

  const { view } = TornadoTimer;
  const { find, setText } = TornadoTimer.dom;

  // Longer titles and notes are set smaller, so that the longest still leave the digits their room.
  const TITLE_SIZES = [
    { upTo: 40, size: "large" },
    { upTo: 80, size: "medium" },
  ];
  const NOTE_SIZES = [
    { upTo: 60, size: "large" },
    { upTo: 160, size: "medium" },
  ];

  /**
   * @param {{ upTo: number, size: string }[]} sizes
   * @param {number} length
   */
  const sizeFor = (sizes, length) => sizes.find(({ upTo }) => length <= upTo)?.size ?? "small";

  function findElements() {
    const [P, Span] = [HTMLParagraphElement, HTMLSpanElement];
    return {
      box: find("#nownext", HTMLDivElement),
      nowTitle: find("#now-title", Span),
      next: find("#next-line", P),
      nextTitle: find("#next-title", Span),
      note: find("#now-note", P),
    };
  }

  /** @type {ReturnType<typeof findElements>} */
  let el; // set by init()
  /** @type {string | null} what was last said to screen readers, so that only a change is said */
  let told = null;

  function init() {
    el = findElements();
  }

  /**
   * The cue on and the next one, as a state names them.
   * @param {CueOn | null | undefined} cue  undefined from a server from before rundowns
   * @param {CueNext | null | undefined} next
   * @param {boolean} withNote  this screen is the presenter's or an operator's (see the top of this file)
   */
  function show(cue, next, withNote) {
    el.box.hidden = !cue;
    document.body.dataset.nownext = cue ? "shown" : "hidden";
    setText(el.nowTitle, cue ? cue.title : "");
    el.next.hidden = !(cue && next);
    setText(el.nextTitle, cue && next ? next.title : "");
    const note = cue && withNote ? cue.note ?? "" : "";
    setText(el.note, note);
    el.note.hidden = note === "";
    el.note.dataset.size = sizeFor(NOTE_SIZES, note.length);
    const longest = Math.max(cue ? cue.title.length : 0, cue && next ? next.title.length : 0);
    el.box.dataset.size = sizeFor(TITLE_SIZES, longest);
    announce(cue, next);
  }

  /**
   * Say the cue on when it changes ("Now: Keynote. Next: Q&A."); not on the page's first state, which says the
   * timer already.
   * @param {CueOn | null | undefined} cue
   * @param {CueNext | null | undefined} next
   */
  function announce(cue, next) {
    const said = cue ? `Now: ${cue.title}.${next ? ` Next: ${next.title}.` : ""}` : "";
    if (told !== null && said !== told && said) view.announce(said);
    told = said;
  }

  TornadoTimer.nowNext = { init, show };
})((globalThis.TornadoTimer ??= /** @type {TornadoTimerNamespace} */ ({})));
