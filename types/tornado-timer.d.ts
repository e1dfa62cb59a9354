// The shape of the page's one global, TornadoTimer, for TypeScript's checker (tsconfig.json): what each file of
// static/ adds to it and what the others may use. Only the checker reads this file; the page is plain scripts.
//
// The data types named here (Snapshot, TimerState, StateMessage in protocol.js; ConnectionStatus in connection.js;
// ClockOptions in format.js; ...) are the JSDoc @typedefs in static/*.js: in a classic script they are global, like
// this file's declarations.

/** format.js: how a number of milliseconds is written on the display (the display rule). */
interface TornadoTimerFormat {
  formatClock(ms: number, options?: Partial<ClockOptions>): string;
  clockOptions(timer: ClockTimer): ClockOptions;
  shownValue(timer: ClockTimer, elapsedMs: number): number;
  clockText(timer: ClockTimer, elapsedMs?: number): string;
  formatAdjustment(ms: number): string;
  formatLength(ms: number): string;
  formatOffset(ms: number | null): string;
  pageTitle(text: string, timer: { name: string; status: TimerStatus }, stale?: boolean): string;
  formatMs(ms: number | null, options?: { signed?: boolean }): string;
}

/** clock.js's ClockSync: the offset between this page's clock and the server's. */
interface TornadoTimerClockSync {
  readonly samples: readonly ClockSample[];
  readonly offset: number;
  readonly rtt: number | null;
  reset(): void;
  addSample(t0: number, serverTime: number, t3: number): void;
  noteServerTime(serverTime: number, receivedAt: number): void;
}

/** clock.js's Monotonic: the never-backwards rule. */
interface TornadoTimerMonotonic {
  restart(): void;
  next(value: number): number;
}

/** clock.js: what time it is on the server, and what the timer shows at that time. */
interface TornadoTimerClock {
  clientNow(): number;
  measure(t0: number, serverTime: number, t3: number): ClockSample;
  ClockSync: new (options?: { keep?: number; best?: number }) => TornadoTimerClockSync;
  elapsedAt(timer: Snapshot, serverNow: number): number;
  Monotonic: new () => TornadoTimerMonotonic;
}

/** address.js: which socket to open, from the page's URL, and the links that share it. */
interface TornadoTimerAddress {
  socketAddress(pageHref: string): SocketTarget | { error: string };
  parseServer(value: string, pageProtocol: string): { server: string } | { error: string };
  shareLinks(pageHref: string): ShareLinks | null;
  viewMode(pageHref: string): ViewMode;
  stageLink(link: string): string;
  FILE_PAGE_SERVER: string;
}

/** protocol.js: the protocol's version, and what a snapshot says beyond its fields. */
interface TornadoTimerProtocol {
  readonly VERSION: number;
  versionProblem(version: number): string | null;
  phaseOf(timer: Snapshot): Phase;
  reachedZero(previous: Snapshot | null, next: Snapshot): boolean;
}

/** words.js: the timer in words (the header, the phase line, what screen readers hear, the server's errors). */
interface TornadoTimerWords {
  statusWord(status: string): string;
  modeWord(mode: string): string;
  phaseLine(timer: Snapshot): { icon: string; words: string } | null;
  timerChange(previous: Snapshot | null, next: Snapshot, clockText: string): string;
  errorText(message: ErrorMessage): string;
}

/** connectionwords.js: the connection in words (the indicator, the problem banner). */
interface TornadoTimerConnectionWords {
  indicator(status: ConnectionStatus, role: Role | null, now: number, online: boolean): [IndicatorKind, string];
  problem(facts: ProblemFacts): string | null;
}

/** countdown.js: the new-countdown form's rules. */
interface TornadoTimerCountdown {
  parseTimeLeft(text: string): number | null;
  timeLeftText(ms: number): string;
  readCountdown(input: CountdownInput): { set: SetCountdown } | CountdownMistake;
  inputFor(countdown: Pick<CountdownFields, "duration_ms" | "overtime" | "warning_ms" | "danger_ms">): CountdownInput;
  optionsSummary(input: CountdownInput): string;
}

/** controls.js: which controls may be pressed. */
interface TornadoTimerControls {
  offered(timer: TimerState | null, mayCommand: boolean): ControlsOffered;
  pauseCommand(timer: TimerState | null): "pause" | "resume";
}

/** schedule.js: how far a rundown is off its plan right now, carried on between the server's messages. */
interface TornadoTimerSchedule {
  driftOf(timer: Snapshot, lastCue: boolean): ScheduleDrift;
  offsetAt(reading: ScheduleReading, drift: ScheduleDrift, serverNow: number): number | null;
  kindOf(offsetMs: number | null): "none" | "behind" | "ahead" | "on";
}

/** cuelines.js: a rundown as lines of text ("Keynote, 20m"), and the line a server's error names. */
interface TornadoTimerCueLines {
  lengthText(ms: number): string;
  cueLine(cue: Cue): string;
  cueLines(cues: readonly Cue[]): string;
  hasCueLine(text: string): boolean;
  lineOfError(message: string): number | null;
  lineSpan(text: string, number: number): { start: number; end: number } | null;
}

/** connection.js's Connection: one WebSocket kept alive. */
interface TornadoTimerConnection {
  start(): void;
  send(message: PageToServer): boolean;
  ping(): boolean;
  retryNow(): void;
}

/** connection.js. */
interface TornadoTimerConnectionModule {
  Connection: new (
    url: string,
    callbacks: {
      onMessage: (message: unknown, receivedAt: number) => void;
      onStatus: (status: ConnectionStatus) => void;
    },
    settings?: Partial<ConnectionSettings>,
  ) => TornadoTimerConnection;
  backoffDelay(attempt: number, options?: { baseMs?: number; capMs?: number; random?: () => number }): number;
  probeHandshake(socketUrl: string, pageOrigin: string, timeoutMs?: number): Promise<Refusal>;
  DEFAULT_SETTINGS: Readonly<ConnectionSettings>;
}

/** dom.js: finding the page's elements, and writing text. */
interface TornadoTimerDom {
  find<T extends Element>(selector: string, type: { new (): T }): T;
  setText(node: HTMLElement, text: string): void;
}

/** view.js: the page around the timer (indicator, banners, footer, title, announcements, toast). */
interface TornadoTimerView {
  init(): void;
  showConnection(kind: IndicatorKind, text: string): void;
  showStale(stale: boolean): void;
  showProblem(text: string | null): void;
  showDegraded(degraded: boolean, message: string): void;
  showServer(url: string | null): void;
  showSync(rttText: string, offsetText: string): void;
  setTitle(title: string): void;
  announce(text: string): void;
  toast(text: string, ms?: number): void;
}

/** clockface.js: the timer itself on the screen (the digits, its name, mode and status, the phase line). */
interface TornadoTimerClockFace {
  init(): void;
  showClock(text: string, value: { elapsedMs: number; remainingMs: number | null; renderedAt: number }): void;
  showTimer(timer: Snapshot): void;
  showName(name: string): void;
}

/** buttons.js: the timer's buttons and the keys that press them. */
interface TornadoTimerButtons {
  init(): void;
  show(offer: ControlsOffered): void;
  wire(handlers: Record<ButtonName, (button: HTMLButtonElement) => void>): void;
  bindKey(keys: string[], button: HTMLButtonElement): void;
}

/** countdownform.js: the new-countdown form. */
interface TornadoTimerCountdownForm {
  init(): void;
  wire(send: (message: SetCountdown) => void): void;
  fillOnce(timer: Snapshot): void;
}

/** share.js: the Share panel. */
interface TornadoTimerShare {
  init(): void;
  show(links: ShareLinks, role: Role | null): void;
  setOpen(open: boolean): void;
  setAvailable(available: boolean): void;
}

/** message.js: the timer's message on the screen, and the controllers' box that changes it. */
interface TornadoTimerMessage {
  init(send: (update: MessageUpdate) => void): void;
  show(message: TimerMessage | undefined): void;
  setEnabled(may: boolean): void;
  readonly NO_MESSAGE: Readonly<TimerMessage>;
  readonly current: TimerMessage;
}

/** nownext.js: the rundown's cue on and the next one on every screen, and the note for the presenter. */
interface TornadoTimerNowNext {
  init(): void;
  show(cue: CueOn | null | undefined, next: CueNext | null | undefined, withNote: boolean): void;
}

/** cuelist.js: the rundown panel's list of cues, the one on marked; a click loads a cue. */
interface TornadoTimerCueList {
  init(pick: (index: number) => void): void;
  show(cues: readonly Cue[], on: number | null): void;
  setEnabled(may: boolean): void;
}

/** rundown.js: the controllers' rundown panel (the list, the offset, Previous and Next, auto-advance). */
interface TornadoTimerRundown {
  init(wiring: RundownPanelWiring): void;
  setAvailable(may: boolean): void;
  show(message: RundownMessage): void;
  noteState(message: StateMessage): boolean;
  render(): void;
  setOffer(offer: ControlsOffered): void;
  readonly cues: Cue[];
  readonly current: number | null;
  readonly autoAdvance: boolean;
}

/** rundownform.js: the rundown panel's agenda box (lines in, the server's errors beside it). */
interface TornadoTimerRundownForm {
  init(send: (message: SetRundown) => boolean, getAutoAdvance: () => boolean): void;
  follow(cues: readonly Cue[]): void;
  onError(message: ErrorMessage): boolean;
  setEnabled(may: boolean): void;
}

/** stage.js: the kind of screen (the presenter view, ?view=stage) and how it shows a blackout. */
interface TornadoTimerStage {
  init(viewMode: ViewMode): void;
  showBlackout(blackout: boolean, viewerScreen: boolean): void;
  readonly isStage: boolean;
}

/** wakelock.js: the screen kept on while a timer runs. */
interface TornadoTimerWakeLock {
  init(): void;
  keepAwake(want: boolean): void;
  readonly state: WakeLockState;
}

/** chime.js: the optional chime at zero, behind the "Sound on" toggle. */
interface TornadoTimerChime {
  init(): void;
  chime(): void;
  readonly enabled: boolean;
  readonly chimes: number;
}

/** serverclock.js: this page's estimate of the server's clock, kept fresh. */
interface TornadoTimerServerClock {
  init(sendPing: () => boolean): void;
  resync(): void;
  onPong(message: PongMessage, receivedAt: number): void;
  noteServerTime(serverTime: number, receivedAt: number): void;
  readonly offset: number;
  readonly reading: { offset: number; rtt: number | null; samples: number };
}

/** session.js: the connection's status, the role, a degraded server, why a handshake failed. */
interface TornadoTimerSession {
  init(target: SocketTarget): void;
  follow(status: ConnectionStatus): boolean;
  noteState(message: StateMessage): boolean;
  onServer(message: ServerMessage): void;
  render(): void;
  readonly status: ConnectionStatus;
  readonly connected: boolean;
  readonly role: Role | null;
  readonly knownRole: Role | null;
  readonly degraded: boolean;
  readonly mayCommand: boolean;
}

/** frames.js: what the display shows right now, recomputed on every animation frame while the timer runs. */
interface TornadoTimerFrames {
  init(getTimer: () => TimerState | null): void;
  restart(): void;
  render(): void;
  renderConnection(): void;
  renderClock(shown: TimerState): string;
  animate(): void;
}

/** app.js: read-only views of what the page knows, for tests and the browser console. */
interface TornadoTimerApp {
  readonly socketUrl: string | null;
  readonly timer: TimerState | null;
  readonly link: ConnectionStatus;
  readonly role: Role | null;
  readonly degraded: boolean;
  readonly message: TimerMessage;
  readonly rundown: { cues: Cue[]; current: number | null; autoAdvance: boolean };
  readonly clock: { offset: number; rtt: number | null; samples: number };
  handleMessage(message: unknown): void;
  send(message: PageToServer): boolean;
}

interface TornadoTimerNamespace {
  format: TornadoTimerFormat;
  clock: TornadoTimerClock;
  address: TornadoTimerAddress;
  protocol: TornadoTimerProtocol;
  words: TornadoTimerWords;
  connectionWords: TornadoTimerConnectionWords;
  countdown: TornadoTimerCountdown;
  controls: TornadoTimerControls;
  schedule: TornadoTimerSchedule;
  cueLines: TornadoTimerCueLines;
  connection: TornadoTimerConnectionModule;
  dom: TornadoTimerDom;
  view: TornadoTimerView;
  clockFace: TornadoTimerClockFace;
  share: TornadoTimerShare;
  message: TornadoTimerMessage;
  nowNext: TornadoTimerNowNext;
  stage: TornadoTimerStage;
  buttons: TornadoTimerButtons;
  countdownForm: TornadoTimerCountdownForm;
  cueList: TornadoTimerCueList;
  rundown: TornadoTimerRundown;
  rundownForm: TornadoTimerRundownForm;
  wakeLock: TornadoTimerWakeLock;
  chime: TornadoTimerChime;
  serverClock: TornadoTimerServerClock;
  session: TornadoTimerSession;
  frames: TornadoTimerFrames;
  app: TornadoTimerApp;
}

/** Filled in as the scripts load, in index.html's order: each file uses only what the ones before it added. */
declare var TornadoTimer: TornadoTimerNamespace | undefined;

/** Timings a test (or a curious user) may set before the scripts run; app.js passes them to the Connection. */
declare var TornadoTimerSettings: Partial<ConnectionSettings> | undefined;
