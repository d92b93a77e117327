// augcheck's A/B player: one Web Audio player for the signals of a page (original, augmented,
// noise alone; or reference and sample). Mounted by views/_player.py as a Streamlit
// components.v2 component (no iframe, no build step, nothing fetched but the page's own media).
//
// * One sound at a time: a single AudioBufferSourceNode plays; switching starts the other signal at
//   the same playback position and crossfades over XFADE_S, so there is no gap and no click.
// * Keys 1/2/3 pick a signal, space plays or pauses, L loops (outside text fields).
// * Drag on the timeline or a spectrogram to select a region (it loops); click to seek.
// * "Match loudness" plays the augmented signal at the original's integrated loudness, with the
//   gain Python measured (pyloudnorm); true levels stay the default.
// * A cursor moves across the timeline and every spectrogram at the playback position.
// Only labels the page chose reach the DOM, always as textContent, never as HTML.

const XFADE_S = 0.015; // crossfade on switch, pause and seek: short enough to keep the position
const MIN_REGION_S = 0.05;
const PLAYERS = new WeakMap(); // parentElement -> Player
let ACTIVE = null; // the player that answers the keyboard (the last one mounted or touched)
const ALL = new Set(); // every player on the page: one plays at a time

function el(tag, cls, text) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function fmt(t) {
  return (Math.max(0, t) || 0).toFixed(2);
}

function editableTarget(node) {
  if (!node || node.nodeType !== 1) return false;
  if (node.isContentEditable) return true;
  const tag = node.tagName;
  if (tag === "TEXTAREA" || tag === "SELECT") return true;
  if (tag === "INPUT") {
    const type = (node.getAttribute("type") || "text").toLowerCase();
    return !["range", "checkbox", "radio", "button", "submit", "reset"].includes(type);
  }
  const role = node.getAttribute("role");
  return role === "textbox" || role === "combobox" || role === "spinbutton";
}

function activatesOnSpace(node) {
  if (!node || node.nodeType !== 1) return false;
  const tag = node.tagName;
  if (tag === "BUTTON" || tag === "SUMMARY" || tag === "A" || tag === "INPUT") return true;
  const role = node.getAttribute("role");
  return ["button", "radio", "checkbox", "switch", "tab", "option", "menuitem"].includes(role);
}

class Player {
  constructor(root, setStateValue) {
    this.root = root;
    this.setStateValue = setStateValue;
    this.ctx = new AudioContext({ latencyHint: "interactive" });
    this.signals = []; // [{id, label, url, buffer, loadingUrl, pending}]
    this.pictures = []; // [{label, url, signal}]
    this.box = [0, 0, 1, 1];
    this.axisS = 0;
    this.selected = null;
    this.playing = false;
    this.offset = 0; // position (s) at ctx time `startedAt`, or where playback is paused
    this.startedAt = 0;
    this.node = null; // {src, fade, level, signal, buffer}
    this.loopOn = false;
    this.region = null; // [start_s, end_s] or null (whole signal)
    this.matchOn = false;
    this.matchGainDb = null;
    this.matchSignal = null;
    this.matchNote = "";
    this.resetKey = null;
    this.decoded = new Map(); // url -> Promise<AudioBuffer> (a few, newest last)
    this.stats = { loads: [], switches: [], keys: 0 };
    this.live = new Set(); // sources started and not yet ended (one, or two during a crossfade)
    this.raf = 0;
    this.build();
    this.onKey = this.onKey.bind(this);
    document.addEventListener("keydown", this.onKey);
    ACTIVE = this;
    ALL.add(this);
  }

  // ------------------------------------------------------------------------------ DOM
  build() {
    const wrap = el("div", "acp");
    wrap.player = this; // tests and benchmarks read the player's state through this
    const bar = el("div", "acp-bar");
    this.playBtn = el("button", "acp-play", "Play");
    this.playBtn.type = "button";
    this.playBtn.title = "Play or pause (space)";
    this.playBtn.addEventListener("click", () => this.toggle());
    this.choice = el("div", "acp-choice");
    this.choice.setAttribute("role", "radiogroup");
    this.loopBtn = el("button", "acp-toggle acp-loop", "Loop");
    this.loopBtn.type = "button";
    this.loopBtn.title = "Loop the selected region, or the whole signal (L)";
    this.loopBtn.setAttribute("aria-pressed", "false");
    this.loopBtn.addEventListener("click", () => this.setLoop(!this.loopOn));
    this.matchBtn = el("button", "acp-toggle acp-match", "Match loudness");
    this.matchBtn.type = "button";
    this.matchBtn.setAttribute("aria-pressed", "false");
    this.matchBtn.addEventListener("click", () => this.setMatch(!this.matchOn, true));
    this.time = el("span", "acp-time", "0.00 s");
    bar.append(this.playBtn, this.choice, this.loopBtn, this.matchBtn, this.time);

    this.timeline = el("div", "acp-timeline");
    this.timeline.title = "Click to jump there; drag to select a region to loop";
    this.tlRegion = el("div", "acp-region");
    this.tlCursor = el("div", "acp-cursor");
    this.timeline.append(this.tlRegion, this.tlCursor);
    this.bindDrag(this.timeline, () => [0, 0, 1, 1]);

    this.note = el("div", "acp-note");
    this.pics = el("div", "acp-pics");
    wrap.append(bar, this.timeline, this.note, this.pics);
    wrap.addEventListener("pointerdown", () => {
      ACTIVE = this;
    });
    // keep focus where it was: clicks on the player must not steal the slider's focus
    wrap.addEventListener("mousedown", (e) => {
      if (e.target.closest && e.target.closest("button")) e.preventDefault();
    });
    this.root.appendChild(wrap);
    this.wrap = wrap;
  }

  bindDrag(area, boxOf) {
    let startX = null;
    let startT = 0;
    const timeAt = (e) => {
      const rect = area.getBoundingClientRect();
      const [b0, , b1] = boxOf();
      const x0 = rect.left + rect.width * b0;
      const w = rect.width * (b1 - b0);
      const frac = Math.min(1, Math.max(0, (e.clientX - x0) / (w || 1)));
      return frac * this.axisS;
    };
    area.addEventListener("pointerdown", (e) => {
      if (e.button !== 0 || !this.axisS) return;
      startX = e.clientX;
      startT = timeAt(e);
      area.setPointerCapture(e.pointerId);
      e.preventDefault();
    });
    area.addEventListener("pointermove", (e) => {
      if (startX === null || Math.abs(e.clientX - startX) < 4) return;
      const t = timeAt(e);
      this.showRegion([Math.min(startT, t), Math.max(startT, t)]);
    });
    const end = (e) => {
      if (startX === null) return;
      const moved = Math.abs(e.clientX - startX) >= 4;
      const t = timeAt(e);
      startX = null;
      if (moved) this.setRegion([Math.min(startT, t), Math.max(startT, t)]);
      else this.seek(t);
    };
    area.addEventListener("pointerup", end);
    area.addEventListener("pointercancel", () => {
      startX = null;
      this.showRegion(this.region);
    });
  }

  renderButtons() {
    this.choice.replaceChildren();
    this.signals.forEach((s, i) => {
      const b = el("button", "acp-signal");
      b.type = "button";
      b.dataset.signal = s.id;
      b.setAttribute("role", "radio");
      const k = el("kbd", "", String(i + 1));
      b.append(k, document.createTextNode(" " + s.label));
      b.disabled = !s.url;
      b.title = s.url ? `${s.label} (key ${i + 1})` : s.missing || "not available";
      b.addEventListener("click", () => this.select(s.id));
      this.choice.appendChild(b);
    });
  }

  renderPictures() {
    this.pics.replaceChildren();
    this.picEls = [];
    this.pictures.forEach((p) => {
      const fig = el("figure", "acp-pic");
      fig.dataset.signal = p.signal || "";
      const frame = el("div", "acp-frame");
      if (this.aspect) frame.style.aspectRatio = String(this.aspect); // no jump while it loads
      const img = el("img");
      img.alt = p.label;
      img.draggable = false;
      const region = el("div", "acp-region");
      const cursor = el("div", "acp-cursor");
      cursor.style.top = `${100 * this.box[1]}%`;
      cursor.style.bottom = `${100 * (1 - this.box[3])}%`;
      frame.append(img, region, cursor);
      fig.append(frame);
      this.pics.appendChild(fig);
      this.bindDrag(frame, () => this.box);
      this.picEls.push({ img, region, cursor, fig, url: null });
    });
  }

  setPicture(i, url) {
    const p = this.picEls[i];
    if (!p || p.url === url) return;
    p.url = url;
    if (!url) {
      p.img.removeAttribute("src");
      return;
    }
    const next = new Image(); // swap only once decoded: no flash of an empty frame
    next.src = url;
    next.decode().then(
      () => {
        if (p.url === url) p.img.src = url;
      },
      () => {
        if (p.url === url) p.img.src = url;
      },
    );
  }

  // ------------------------------------------------------------------------------ data
  update(data) {
    const signals = Array.isArray(data.signals) ? data.signals : [];
    const pictures = Array.isArray(data.pictures) ? data.pictures : [];
    const reset = data.reset_key !== undefined && data.reset_key !== this.resetKey;
    this.resetKey = data.reset_key;
    this.axisS = Number(data.axis_s) || 0;
    // the plot area inside a picture, as fractions [left, top, right, bottom]
    this.box = Array.isArray(data.plot_box) ? data.plot_box.map(Number) : [0, 0, 1, 1];
    this.aspect = Number(data.picture_aspect) || 0;
    if (reset) {
      this.stop();
      this.offset = 0;
      this.region = null;
      this.setLoop(false);
    }
    const sameLayout =
      signals.length === this.signals.length &&
      signals.every(
        (s, i) =>
          s.id === this.signals[i].id &&
          s.label === this.signals[i].label &&
          !!s.url === !!this.signals[i].url,
      );
    const old = new Map(this.signals.map((s) => [s.id, s]));
    this.signals = signals.map((s) => {
      const prev = old.get(s.id);
      return {
        id: String(s.id),
        label: String(s.label),
        url: s.url || null,
        missing: s.missing ? String(s.missing) : "",
        buffer: prev ? prev.buffer : null, // the old sound plays on until the new one is decoded
        bufferUrl: prev ? prev.bufferUrl : null,
        loadingUrl: prev ? prev.loadingUrl : null,
      };
    });
    if (!sameLayout) this.renderButtons();
    if (
      pictures.length !== this.pictures.length ||
      pictures.some((p, i) => p.label !== this.pictures[i].label)
    ) {
      this.pictures = pictures;
      this.renderPictures();
    }
    this.pictures = pictures;
    pictures.forEach((p, i) => {
      this.picEls[i].fig.dataset.signal = p.signal || "";
      this.picEls[i].img.alt = String(p.label);
      this.setPicture(i, p.url || null);
    });
    const m = data.match || null;
    this.matchSignal = m ? String(m.signal) : null;
    this.matchGainDb = m && typeof m.gain_db === "number" ? m.gain_db : null;
    this.matchNote = m && m.note ? String(m.note) : "";
    this.matchShowGain = !m || m.show_gain !== false;
    this.matchBtn.hidden = !m;
    if (m && !this.matchInit) {
      this.matchInit = true;
      this.setMatch(!!m.on, false);
    }
    if (!this.selected || !this.signals.some((s) => s.id === this.selected && s.url)) {
      const first = this.signals.find((s) => s.url);
      this.selected = first ? first.id : null;
    }
    if (this.region && this.axisS && this.region[0] >= this.axisS) this.region = null;
    if (this.playing && this.node && this.node.signal !== this.selected) {
      this.restart(this.position()); // the signal that played is gone (e.g. no noise any more)
    }
    for (const s of this.signals) this.load(s);
    this.applyLevel();
    this.paint();
  }

  load(s) {
    if (!s.url || s.url === s.bufferUrl || s.url === s.loadingUrl) return;
    const url = s.url;
    s.loadingUrl = url;
    const t0 = performance.now();
    let promise = this.decoded.get(url);
    if (!promise) {
      promise = fetch(url, { credentials: "same-origin" })
        .then((r) => {
          if (!r.ok) throw new Error(`HTTP ${r.status}`);
          return r.arrayBuffer();
        })
        .then((bytes) => this.ctx.decodeAudioData(bytes));
      this.decoded.set(url, promise);
      while (this.decoded.size > 8) this.decoded.delete(this.decoded.keys().next().value);
    }
    promise.then(
      (buffer) => {
        const cur = this.signals.find((x) => x.id === s.id);
        if (!cur || cur.url !== url) return; // a newer one is on its way
        cur.buffer = buffer;
        cur.bufferUrl = url;
        cur.loadingUrl = null;
        this.stats.loads.push({ signal: s.id, url, requested: t0, at: performance.now() });
        if (this.stats.loads.length > 50) this.stats.loads.shift();
        if (this.playing && this.node && this.node.signal === s.id) {
          this.restart(this.position()); // the new sound, at the same place, crossfaded
        }
        this.paint();
      },
      () => {
        this.decoded.delete(url);
        const cur = this.signals.find((x) => x.id === s.id);
        if (cur && cur.loadingUrl === url) cur.loadingUrl = null;
      },
    );
  }

  // ------------------------------------------------------------------------------ playback
  signal(id) {
    return this.signals.find((s) => s.id === id) || null;
  }

  duration() {
    const s = this.signal(this.selected);
    return s && s.buffer ? s.buffer.duration : this.axisS;
  }

  loopBounds(duration) {
    if (this.region) {
      const a = Math.min(this.region[0], Math.max(0, duration - MIN_REGION_S));
      return [a, Math.min(Math.max(this.region[1], a + MIN_REGION_S), duration)];
    }
    return [0, duration];
  }

  position() {
    if (!this.playing || !this.node) return this.offset;
    let p = this.offset + (this.ctx.currentTime - this.startedAt);
    const d = this.node.buffer.duration;
    if (this.node.src.loop) {
      const [a, b] = [this.node.src.loopStart, this.node.src.loopEnd];
      if (p >= b && b > a) p = a + ((p - a) % (b - a));
    }
    return Math.min(p, d);
  }

  levelFor(id) {
    if (this.matchOn && id === this.matchSignal && this.matchGainDb !== null) {
      return Math.pow(10, this.matchGainDb / 20);
    }
    return 1;
  }

  applyLevel() {
    if (!this.node) return;
    const g = this.node.level.gain;
    const t = this.ctx.currentTime;
    g.cancelScheduledValues(t);
    g.setValueAtTime(g.value, t);
    g.linearRampToValueAtTime(this.levelFor(this.node.signal), t + XFADE_S);
  }

  startSource(id, pos) {
    const s = this.signal(id);
    if (!s || !s.buffer) return false;
    const ctx = this.ctx;
    const src = ctx.createBufferSource();
    src.buffer = s.buffer;
    const fade = ctx.createGain();
    const level = ctx.createGain();
    level.gain.value = this.levelFor(id);
    src.connect(fade).connect(level).connect(ctx.destination);
    const d = s.buffer.duration;
    if (this.loopOn) {
      const [a, b] = this.loopBounds(d);
      src.loop = true;
      src.loopStart = a;
      src.loopEnd = b;
      if (pos < a || pos >= b) pos = a;
    } else if (pos >= d - 0.01) {
      pos = 0;
    }
    const t = ctx.currentTime;
    fade.gain.setValueAtTime(0, t);
    fade.gain.linearRampToValueAtTime(1, t + XFADE_S);
    src.start(t, pos);
    const node = { src, fade, level, signal: id, buffer: s.buffer };
    this.live.add(src);
    src.onended = () => {
      this.live.delete(src);
      src.disconnect();
      level.disconnect();
      if (this.node === node) {
        // reached the end (not a switch or a pause)
        this.node = null;
        this.playing = false;
        this.offset = 0;
        this.paint();
      }
    };
    this.node = node;
    this.offset = pos;
    this.startedAt = t;
    this.playing = true;
    return true;
  }

  fadeOut(node) {
    if (!node) return;
    const t = this.ctx.currentTime;
    const g = node.fade.gain;
    g.cancelScheduledValues(t);
    g.setValueAtTime(g.value, t);
    g.linearRampToValueAtTime(0, t + XFADE_S);
    try {
      node.src.stop(t + XFADE_S + 0.005);
    } catch (e) {
      /* already stopped */
    }
  }

  restart(pos) {
    const old = this.node;
    this.node = null;
    this.fadeOut(old);
    if (!this.startSource(this.selected, pos)) {
      this.playing = false;
      this.offset = pos;
    }
  }

  play() {
    if (this.playing) return;
    for (const other of ALL) if (other !== this) other.pause();
    this.ctx.resume();
    if (!this.startSource(this.selected, this.offset)) return;
    this.loopPaint();
    this.paint();
  }

  pause() {
    if (!this.playing) return;
    const pos = this.position();
    const old = this.node;
    this.node = null;
    this.playing = false;
    this.offset = pos;
    this.fadeOut(old);
    this.paint();
  }

  stop() {
    this.pause();
  }

  toggle() {
    if (this.playing) this.pause();
    else this.play();
  }

  select(id, keyTime) {
    const s = this.signal(id);
    if (!s || !s.url) return;
    const from = this.selected;
    const pos = this.position();
    this.selected = id;
    if (this.playing && from !== id) {
      this.ctx.resume();
      this.restart(pos);
      this.stats.switches.push({
        from,
        to: id,
        position: pos,
        key: keyTime === undefined ? null : keyTime,
        started: performance.now(),
        baseLatency: this.ctx.baseLatency || 0,
        outputLatency: this.ctx.outputLatency || 0,
      });
      if (this.stats.switches.length > 50) this.stats.switches.shift();
    }
    this.paint();
  }

  seek(t) {
    const d = this.duration();
    t = Math.min(Math.max(0, t), Math.max(0, d - 0.01));
    if (this.playing) this.restart(t);
    else this.offset = t;
    this.paint();
  }

  setLoop(on) {
    this.loopOn = !!on;
    this.loopBtn.setAttribute("aria-pressed", String(this.loopOn));
    if (this.playing) this.restart(this.position());
    this.paint();
  }

  showRegion(region) {
    const parts = [[this.tlRegion, [0, 0, 1, 1]], ...(this.picEls || []).map((p) => [p.region, this.box])];
    for (const [node, [b0, top, b1, bottom]] of parts) {
      if (!region || !this.axisS) {
        node.hidden = true;
        continue;
      }
      node.hidden = false;
      const l = b0 + ((b1 - b0) * region[0]) / this.axisS;
      const r = b0 + ((b1 - b0) * region[1]) / this.axisS;
      node.style.left = `${100 * l}%`;
      node.style.width = `${100 * Math.max(0, r - l)}%`;
      node.style.top = `${100 * top}%`;
      node.style.bottom = `${100 * (1 - bottom)}%`;
    }
  }

  setRegion(region) {
    if (region && region[1] - region[0] < MIN_REGION_S) region = null;
    this.region = region;
    if (region) {
      this.loopOn = true;
      this.loopBtn.setAttribute("aria-pressed", "true");
      if (this.playing) this.restart(region[0]);
      else this.offset = region[0];
    } else if (this.playing) {
      this.restart(this.position());
    }
    this.paint();
  }

  setMatch(on, fromUser) {
    this.matchOn = !!on;
    this.matchBtn.setAttribute("aria-pressed", String(this.matchOn));
    this.applyLevel();
    if (fromUser && this.setStateValue) this.setStateValue("match_loudness", this.matchOn);
    this.paint();
  }

  // ------------------------------------------------------------------------------ keyboard
  onKey(e) {
    if (ACTIVE !== this || !this.root.isConnected) return;
    if (e.defaultPrevented || e.ctrlKey || e.metaKey || e.altKey || e.repeat) return;
    const target = e.composedPath ? e.composedPath()[0] : e.target;
    if (editableTarget(target)) return;
    const inside = this.wrap.contains(target);
    const key = e.key;
    if (key === " " || key === "Spacebar") {
      if (!inside && activatesOnSpace(target)) return; // a focused button keeps its space
      e.preventDefault();
      this.stats.keys += 1;
      this.toggle();
    } else if (/^[1-9]$/.test(key)) {
      const s = this.signals[Number(key) - 1];
      if (!s) return;
      e.preventDefault();
      this.stats.keys += 1;
      this.select(s.id, e.timeStamp);
    } else if (key === "l" || key === "L") {
      e.preventDefault();
      this.setLoop(!this.loopOn);
    }
  }

  // ------------------------------------------------------------------------------ painting
  loopPaint() {
    if (this.raf) return;
    const step = () => {
      this.raf = 0;
      if (!this.root.isConnected) return;
      this.paintCursor();
      if (this.playing) this.raf = requestAnimationFrame(step);
    };
    this.raf = requestAnimationFrame(step);
  }

  paintCursor() {
    const pos = this.position();
    this.time.textContent = `${fmt(pos)} / ${fmt(this.duration())} s`;
    if (!this.axisS) return;
    const f = Math.min(1, pos / this.axisS);
    this.tlCursor.style.left = `${100 * f}%`;
    for (const p of this.picEls || []) {
      p.cursor.style.left = `${100 * (this.box[0] + (this.box[2] - this.box[0]) * f)}%`;
    }
  }

  paint() {
    this.playBtn.textContent = this.playing ? "Pause" : "Play";
    this.playBtn.setAttribute("aria-pressed", String(this.playing));
    const ready = this.signal(this.selected);
    this.playBtn.disabled = !ready || !ready.buffer;
    for (const b of this.choice.children) {
      const on = b.dataset.signal === this.selected;
      b.setAttribute("aria-checked", String(on));
      b.classList.toggle("acp-on", on);
    }
    for (const p of this.picEls || []) {
      p.fig.classList.toggle("acp-on", p.fig.dataset.signal === this.selected);
    }
    let note = "";
    if (this.matchOn && this.matchSignal) {
      const target = this.signal(this.matchSignal);
      const label = target ? target.label : this.matchSignal;
      if (this.matchGainDb === null) {
        note = this.matchNote || `Measuring loudness for ${label}…`;
      } else {
        const g = this.matchGainDb;
        const ref = this.signals.find((x) => x.id !== this.matchSignal);
        note = this.matchShowGain
          ? `${label} plays ${g >= 0 ? "+" : ""}${g.toFixed(1)} dB, at the ${ref ? ref.label.toLowerCase() : "reference"}'s loudness.`
          : `${label} plays at the ${ref ? ref.label.toLowerCase() : "reference"}'s loudness.`;
        if (this.matchNote) note += ` ${this.matchNote}`;
      }
    }
    this.note.textContent = note;
    this.note.hidden = !note;
    this.wrap.dataset.signal = this.selected || "";
    this.wrap.dataset.playing = String(this.playing);
    this.showRegion(this.region);
    this.paintCursor();
    if (this.playing) this.loopPaint();
  }

  // ------------------------------------------------------------------------------ for tests
  info() {
    const node = this.node;
    return {
      signal: this.selected,
      playing: this.playing,
      position: this.position(),
      duration: this.duration(),
      loop: this.loopOn,
      region: this.region,
      sourceLoop: node ? [node.src.loop, node.src.loopStart, node.src.loopEnd] : null,
      match: this.matchOn,
      matchGainDb: this.matchGainDb,
      level: node ? this.levelFor(node.signal) : this.levelFor(this.selected),
      levelParam: node ? node.level.gain.value : null,
      contextState: this.ctx.state,
      sounding: this.live.size,
      loaded: Object.fromEntries(this.signals.map((s) => [s.id, s.bufferUrl])),
      urls: Object.fromEntries(this.signals.map((s) => [s.id, s.url])),
      stats: this.stats,
      now: performance.now(),
      axis_s: this.axisS,
    };
  }

  destroy() {
    document.removeEventListener("keydown", this.onKey);
    if (this.raf) cancelAnimationFrame(this.raf);
    this.fadeOut(this.node);
    this.node = null;
    this.playing = false;
    this.live.clear();
    this.ctx.close();
    if (ACTIVE === this) ACTIVE = null;
    ALL.delete(this);
    PLAYERS.delete(this.root);
  }
}

export default function (component) {
  const { parentElement, data, setStateValue } = component;
  let player = PLAYERS.get(parentElement);
  if (!player) {
    player = new Player(parentElement, setStateValue);
    PLAYERS.set(parentElement, player);
  }
  player.setStateValue = setStateValue;
  ACTIVE = player;
  // the page sends its data as one JSON string (see views/_player.py)
  player.update(data && typeof data.json === "string" ? JSON.parse(data.json) : data || {});
  // Streamlit calls this function again on every data change and keeps only the last cleanup;
  // an earlier one may still run late, so only a player whose element left the page is ended.
  return () => {
    setTimeout(() => {
      if (!parentElement.isConnected && PLAYERS.get(parentElement) === player) player.destroy();
    }, 0);
  };
}
