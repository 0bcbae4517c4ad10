"""Key-to-pixel latency of a slider, measured inside the page (shared by test_browser.py and
benchmarks/bench_latency_browser.py).

`INIT_JS` is installed into a page before JupyterLab loads (`install(page)`); it puts `window.__lat`
in the page, which timestamps with `performance.now()`, in the page:

  * the key press: a capture-phase `keydown` listener on window (the event's own timeStamp, i.e. when
    the browser received the input, and the time the listener ran);
  * every kernel WebSocket frame sent and received (the WebSocket constructor is wrapped, so JupyterLab's
    kernel connection is hooked from its first frame): channel, msg_type, msg_id, parent msg_id, for
    comm messages the method, the state keys and the size of the binary buffers (the PNG), for status
    messages busy/idle. Both the `v1.kernel.websocket.jupyter.org` protocol (binary frames) and the
    legacy JSON/binary one are decoded;
  * every <img> in the notebook panel whose `src` changes or that is added (a MutationObserver): the time
    of the change, the time `img.decode()` resolved, the next two animation frames after that, and
    whether its pixels differ from what that <img> showed before (an FNV hash of the decoded pixels).

Python arms it (`arm(page, cell)`), presses the key (Playwright, a trusted key event), and `collect(page)`
waits in the page until every comm message sent since the key press has its kernel `idle`, every image
change has been decoded and hashed and nothing has arrived for `quiet_ms`. `analyse(raw)` turns the raw
record into one press's latency and breakdown (milliseconds):

  key_to_send      keydown -> the slider's comm message leaves the page (ipywidgets, noUiSlider)
  send_to_busy     -> the kernel's `busy` for that message arrives (server + ZMQ + kernel queue, both ways)
  busy_to_image    -> the message carrying the new PNG arrives (the kernel's callback: compute, draw,
                      encode; plus the way back)
  image_to_src     -> the <img>'s src changes (deserialise, widget manager, ImageView.update: a Blob URL)
  src_to_decoded   -> img.decode() resolves (PNG decode)
  decoded_to_frame -> the next animation frame starts (the frame that paints it)
  total            keydown -> that frame: the key-to-pixel latency
  kernel = send_to_busy + busy_to_image; frontend = key_to_send + image_to_src + src_to_decoded +
  decoded_to_frame.

The time is the first image *whose pixels changed* (same cell preferred; an image in another cell counts
if none in the slider's cell changed). A press after which no image's pixels changed is `silent`.
"""
from __future__ import annotations

import statistics

PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

INIT_JS = r"""
(() => {
  if (window.__lat) return;
  const now = () => performance.now();
  const dec = new TextDecoder('utf-8');
  const L = window.__lat = {armed: false, t0: null, tListener: null, key: null, msgs: [], imgs: [],
                            pending: 0, cell: null, hashes: new WeakMap(), removedByCell: new WeakMap(),
                            observer: null, errors: [], protocol: null, frames: 0};
  const V1 = 'v1.kernel.websocket.jupyter.org';
  const text = (buf, a, b) => dec.decode(new Uint8Array(buf, a, b - a));

  function parse(data, ws) {
    let channel, header, parent, content = null, buffers = [], size;
    const want = (h) => h && (h.msg_type === 'comm_msg' || h.msg_type === 'status' || h.msg_type === 'comm_open'
                              || h.msg_type === 'clear_output' || h.msg_type === 'display_data');
    if (typeof data === 'string') {
      size = data.length;
      const m = JSON.parse(data);
      channel = m.channel; header = m.header; parent = m.parent_header; content = m.content;
    } else if (data instanceof ArrayBuffer || ArrayBuffer.isView(data)) {
      const buf = data instanceof ArrayBuffer ? data
                  : data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
      size = buf.byteLength;
      const dv = new DataView(buf);
      if (ws.protocol === V1) {
        const n = Number(dv.getBigUint64(0, true));
        const off = [];
        for (let i = 0; i < n; i++) off.push(Number(dv.getBigUint64(8 * (i + 1), true)));
        channel = text(buf, off[0], off[1]);
        header = JSON.parse(text(buf, off[1], off[2]));
        parent = JSON.parse(text(buf, off[2], off[3]));
        if (want(header)) content = JSON.parse(text(buf, off[4], off[5]));
        for (let i = 5; i < off.length - 1; i++) buffers.push(off[i + 1] - off[i]);
      } else {              // legacy binary: nbufs, offsets (uint32, big-endian), the JSON message, buffers
        const nb = dv.getUint32(0);
        const off = [];
        for (let i = 1; i <= nb; i++) off.push(dv.getUint32(4 * i));
        const m = JSON.parse(text(buf, off[0], nb > 1 ? off[1] : size));
        channel = m.channel; header = m.header; parent = m.parent_header; content = m.content;
        for (let i = 1; i < nb; i++) buffers.push((i + 1 < nb ? off[i + 1] : size) - off[i]);
      }
    } else {
      return {blob: true, size: data && data.size};
    }
    const r = {ch: channel, type: header && header.msg_type, id: header && header.msg_id,
               parent: parent && parent.msg_id, size, nbuf: buffers.length,
               buf_bytes: buffers.reduce((a, b) => a + b, 0)};
    if (content) {
      if (r.type === 'status') r.state = content.execution_state;
      if (content.comm_id) r.comm = content.comm_id;
      const d = content.data;
      if (d && d.method) { r.method = d.method; if (d.state) r.keys = Object.keys(d.state); }
    }
    return r;
  }

  function record(dir, data, ws, t) {
    try {
      const r = parse(data, ws);
      r.dir = dir; r.t = t;
      L.msgs.push(r);
    } catch (e) { L.errors.push(`${dir}: ${e}`); }
  }

  const isKernel = (url) => /\/api\/kernels\/[^/]+\/channels/.test(String(url));
  const Native = window.WebSocket;
  class HookedWebSocket extends Native {
    constructor(url, protocols) {
      super(url, protocols);
      if (isKernel(url)) {
        this.addEventListener('message', (ev) => {
          const t = now(); L.frames++;
          if (L.armed) record('recv', ev.data, this, t);
        });
      }
    }
    send(data) {
      if (L.armed && isKernel(this.url)) {
        L.protocol = this.protocol;
        if (L.t0 !== null) L.keySent = true;
        record('send', data, this, now());
      }
      return super.send(data);
    }
  }
  window.WebSocket = HookedWebSocket;

  // main-thread tasks longer than 50 ms (the page could not run anything else meanwhile)
  L.longtasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (L.armed) L.longtasks.push({start: e.startTime, duration: e.duration});
    }).observe({type: 'longtask', buffered: false});
  } catch (e) {}

  window.addEventListener('keydown', (e) => {
    // the last key press before the first message after a key press went out (a key that did not move
    // the slider is followed by another one; Play ticks sent before any key press do not count)
    if (!L.armed || (L.t0 !== null && L.keySent)) return;
    const t = now();
    L.tListener = t;
    L.t0 = (e.timeStamp > 0 && e.timeStamp <= t && t - e.timeStamp < 1000) ? e.timeStamp : t;
    L.keySent = false;
    L.key = e.key;
  }, true);

  function hashImg(img) {
    const w = img.naturalWidth, h = img.naturalHeight;
    if (!w || !h) return 'empty';
    const c = L._canvas || (L._canvas = document.createElement('canvas'));
    c.width = w; c.height = h;
    const ctx = c.getContext('2d', {willReadFrequently: true});
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(img, 0, 0);
    const d = new Uint32Array(ctx.getImageData(0, 0, w, h).data.buffer);
    let x = 2166136261;
    for (let i = 0; i < d.length; i++) x = Math.imul(x ^ d[i], 16777619);
    return (x >>> 0).toString(16) + ':' + w + 'x' + h;
  }
  const cellOf = (el) => el.closest('.jp-Cell');
  function cellIndex(el) {
    const cell = cellOf(el);
    return cell && L.panel ? Array.prototype.indexOf.call(L.panel.querySelectorAll('.jp-Cell'), cell) : -1;
  }
  const frame = () => new Promise(r => requestAnimationFrame(() => r(now())));

  function track(img, tSrc, added) {
    const ev = {t_src: tSrc, added, t_dec: null, t_raf: null, t_raf2: null, changed: null, w: 0, h: 0,
                // a FramePane marks a picture it took from the page's frame cache (no kernel round trip)
                source: (img.dataset && img.dataset.frameSource) || 'kernel'};
    if (L.armed) {
      ev.same_cell = L.cell ? L.cell.contains(img) : null;
      ev.cell = cellIndex(img);
      L.imgs.push(ev);
    }
    L.pending++;
    const src = img.src;
    img.decode().then(() => { ev.t_dec = now(); },
                      (e) => { ev.t_dec = now(); ev.err = String((e && e.name) || e); })
      .then(frame).then((t) => { ev.t_raf = t; return frame(); }).then((t) => {
        ev.t_raf2 = t;
        if (img.src !== src) { ev.superseded = true; return; }   // replaced before it was compared
        const h = hashImg(img);
        let prev = L.hashes.get(img);
        if (prev === undefined && added) prev = L.removedByCell.get(cellOf(img));
        ev.w = img.naturalWidth; ev.h = img.naturalHeight;
        ev.changed = prev === undefined ? true : h !== prev;
        L.hashes.set(img, h);
      }).catch((e) => { ev.err = String(e); }).finally(() => { L.pending--; ev.t_done = now(); });
  }

  // Start watching the visible notebook panel: hash every image now (the state before any press).
  L.start = async (sel) => {
    L.stop();
    const panel = document.querySelector(sel);
    if (!panel) return -1;
    L.panel = panel;
    const imgs = [...panel.querySelectorAll('img')];
    for (const img of imgs) {
      try { if (!img.complete || !img.naturalWidth) await img.decode(); } catch (e) {}
      try { L.hashes.set(img, hashImg(img)); } catch (e) { L.errors.push(`hash: ${e}`); }
    }
    L.observer = new MutationObserver((records) => {
      const t = now();
      for (const r of records) {
        if (r.type === 'attributes') {
          if (r.target.tagName === 'IMG') track(r.target, t, false);
          continue;
        }
        for (const n of r.removedNodes) {
          if (n.nodeType !== 1) continue;
          for (const img of (n.tagName === 'IMG' ? [n] : n.querySelectorAll('img'))) {
            const h = L.hashes.get(img);
            const cell = cellOf(r.target);
            if (h !== undefined && cell) L.removedByCell.set(cell, h);
          }
        }
        for (const n of r.addedNodes) {
          if (n.nodeType !== 1) continue;
          for (const img of (n.tagName === 'IMG' ? [n] : n.querySelectorAll('img'))) track(img, t, true);
        }
      }
    });
    L.observer.observe(panel, {subtree: true, childList: true, attributes: true, attributeFilter: ['src']});
    return imgs.length;
  };
  L.stop = () => { if (L.observer) L.observer.disconnect(); L.observer = null; L.armed = false; };

  // the comms of Play widgets: a tick sent in the same millisecond as the key press must not be taken for
  // the slider's message (the models come from the widget manager of any tracked control)
  L.players = L.players || new Set();
  const findPlayers = () => {
    for (const s of (globalThis.__framePanes || new Map()).values()) {
      for (const [m] of (s.controls || [])) {
        const models = (m && m.widget_manager && m.widget_manager._models) || {};
        for (const [id, p] of Object.entries(models)) {
          Promise.resolve(p).then((mm) => { if (mm && mm.get('_model_name') === 'PlayModel') L.players.add(id); })
            .catch(() => {});
        }
      }
    }
  };

  L.arm = (cellIdx) => {
    findPlayers();
    const cells = L.panel ? L.panel.querySelectorAll('.jp-Cell') : [];
    L.cell = cells[cellIdx] || null;
    L.t0 = null; L.keySent = false; L.tListener = null; L.key = null; L.msgs = []; L.imgs = []; L.errors = []; L.longtasks = [];
    L.armed = true;
  };

  // Wait until the press has landed; return everything recorded since arm().
  L.collect = (opt) => new Promise((resolve) => {
    const o = Object.assign({timeout_ms: 20000, quiet_ms: 200, no_send_ms: 1500}, opt || {});
    const tStart = now();
    const finish = (reason) => {
      clearInterval(timer);
      L.armed = false;
      resolve({reason, t0: L.t0, t_listener: L.tListener, key: L.key, protocol: L.protocol,
               msgs: L.msgs.slice(), imgs: L.imgs.map(e => Object.assign({}, e)), errors: L.errors.slice(),
               longtasks: L.longtasks.slice(), players: [...L.players],
               pending: L.pending, t_end: now()});
    };
    const timer = setInterval(() => {
      const t = now();
      const base = L.t0 === null ? tStart : L.t0;
      if (t - base > o.timeout_ms) return finish('timeout');
      if (L.t0 === null) return (t - tStart > o.no_send_ms) ? finish('no key press seen') : undefined;
      // comms that sent before the key press are a playing view's ticks, not the slider
      const ticking = new Set(L.msgs.filter(m => m.dir === 'send' && m.t < L.t0).map(m => m.comm));
      for (const id of L.players) ticking.add(id);
      const sends = L.msgs.filter(m => m.dir === 'send' && m.type === 'comm_msg' && m.t >= L.t0
                                       && !ticking.has(m.comm));
      if (!sends.length) return (t - L.t0 > o.no_send_ms) ? finish('no message sent') : undefined;
      // the slider's messages: those on the comm of the first one after the key press (a view that
      // plays, e.g. training resumed by the change, sends Play ticks too: their traffic is not waited for)
      const mine = sends.filter(s => s.comm === sends[0].comm);
      const ids = new Set(mine.map(s => s.id));
      const idle = new Set(L.msgs.filter(m => m.dir === 'recv' && m.type === 'status' && m.state === 'idle')
                                 .map(m => m.parent));
      if (!mine.every(s => idle.has(s.id)) || L.pending > 0) return;
      const last = Math.max(...L.msgs.filter(m => m.dir === 'send' ? ids.has(m.id) : ids.has(m.parent))
                                       .map(m => m.t));
      if (t - last >= o.quiet_ms) finish('done');
    }, 10);
  });
})();
"""


def install(page) -> None:
    """Put the instrumentation into `page` (before it loads JupyterLab, and into every page it loads)."""
    page.add_init_script(INIT_JS)


def start(page) -> int | None:
    """Watch the visible notebook's images (call after Run All, before the first press); None if the page
    has no instrumentation."""
    return page.evaluate("sel => window.__lat ? window.__lat.start(sel) : null", PANEL)


def arm(page, cell_index: int) -> bool:
    return bool(page.evaluate("i => { if (!window.__lat) return false; window.__lat.arm(i); return true; }",
                              cell_index))


def collect(page, timeout_ms: float = 20000, quiet_ms: float = 200, no_send_ms: float = 1500) -> dict | None:
    return page.evaluate("o => window.__lat ? window.__lat.collect(o) : null",
                         {"timeout_ms": timeout_ms, "quiet_ms": quiet_ms, "no_send_ms": no_send_ms})


def _r(x):
    return None if x is None else round(x, 1)


def analyse(raw: dict | None) -> dict:
    """One press: {'status': 'ok' | 'silent' | 'no message' | ..., 'total': ms, breakdown...}."""
    if not raw:
        return {"status": "not measured"}
    out: dict = {"reason": raw["reason"]}
    t0 = raw["t0"]
    msgs, imgs = raw["msgs"], raw["imgs"]
    # comms that sent before the key press are a playing view's ticks, not the slider
    ticking = {m.get("comm") for m in msgs if m["dir"] == "send" and t0 is not None and m["t"] < t0}
    ticking |= set(raw.get("players") or ())       # Play widgets' comms: their ticks are never the slider
    all_sends = [m for m in msgs if m["dir"] == "send" and m.get("type") == "comm_msg"]
    sends = [m for m in all_sends if t0 is None or (m["t"] >= t0 and m.get("comm") not in ticking)]
    recv = [m for m in msgs if m["dir"] == "recv"]
    out["msgs_sent"] = len(all_sends)
    out["msgs_recv"] = len(recv)
    # pictures the kernel published (state updates with a buffer); a FramePane's frames sent ahead of
    # time arrive as `custom` messages and are only shown when a control moves to them
    image_msgs = [m for m in recv if m.get("type") == "comm_msg" and m.get("nbuf") and m.get("method") != "custom"]
    out["frames_ahead"] = sum(1 for m in recv if m.get("type") == "comm_msg" and m.get("method") == "custom")
    out["image_msgs"] = len(image_msgs)
    out["echo_msgs"] = sum(1 for m in recv if m.get("method") == "echo_update")
    out["img_changes"] = len(imgs)
    kinds: dict[str, int] = {}
    for m in recv:          # what arrived for this press, e.g. {'status': 2, 'comm_msg update': 3}
        k = f"{m.get('type')} {m['method']}" if m.get("method") else str(m.get("type"))
        kinds[k] = kinds.get(k, 0) + 1
    out["recv_kinds"] = kinds
    out["recv_bytes"] = sum(m.get("size") or 0 for m in recv)
    if t0 is None:
        out["status"] = "no key press seen"
        return out
    out["input_delay"] = _r(raw["t_listener"] - t0)
    if not sends:
        out["status"] = "no message sent"
        return out
    first = sends[0]
    # the slider's own messages (a playing view also sends Play ticks: not the slider's doing)
    mine = {m["id"] for m in sends if m.get("comm") == first.get("comm")}
    out["tick_msgs"] = len(all_sends) - len(mine)
    out["key_to_send"] = _r(first["t"] - t0)
    busy = next((m for m in recv if m.get("type") == "status" and m.get("state") == "busy"
                 and m.get("parent") == first["id"]), None)
    idle = next((m for m in recv if m.get("type") == "status" and m.get("state") == "idle"
                 and m.get("parent") == first["id"]), None)
    if idle:
        out["key_to_idle"] = _r(idle["t"] - t0)
    changed = [e for e in imgs if e.get("changed") and e.get("t_raf") is not None]
    caused = [m for m in image_msgs if m.get("parent") in mine]
    if caused:   # the first change shown after the slider's own first PNG arrived (not an earlier tick's);
        # a picture the page took from its frame cache answers the key press itself, with no message
        changed = [e for e in changed if e.get("source") == "page" or e["t_src"] >= caused[0]["t"]]
    here = [e for e in changed if e.get("same_cell")]
    pick = min(here or changed, key=lambda e: e["t_raf"], default=None)
    if pick is None:
        out["status"] = "silent" if raw["reason"] == "done" else raw["reason"]
        return out
    out["status"] = "ok"
    out["other_cell"] = not pick.get("same_cell")
    out["total"] = _r(pick["t_raf"] - t0)
    out["painted"] = _r(pick["t_raf2"] - t0) if pick.get("t_raf2") else None
    out["image_px"] = f"{pick['w']}x{pick['h']}"
    out["from_page"] = pick.get("source") == "page"
    if out["from_page"]:     # no kernel in the path: the whole time is the page's
        lt = raw.get("longtasks") or []
        out["longtask_ms"] = _r(sum(max(0.0, min(e["start"] + e["duration"], pick["t_raf"]) - max(e["start"], t0))
                                    for e in lt))
        out["src_to_decoded"] = _r(pick["t_dec"] - pick["t_src"])
        out["decoded_to_frame"] = _r(pick["t_raf"] - pick["t_dec"])
        out["key_to_src"] = _r(pick["t_src"] - t0)
        out["kernel"], out["frontend"] = None, out["total"]
        return out
    source = [m for m in (caused or image_msgs) if m["t"] <= pick["t_src"]]
    img_msg = source[-1] if source else None
    out["by_tick"] = bool(img_msg) and img_msg.get("parent") not in mine
    if busy:
        out["send_to_busy"] = _r(busy["t"] - first["t"])
    if img_msg:
        out["image_bytes"] = img_msg["buf_bytes"]
        out["send_to_image"] = _r(img_msg["t"] - first["t"])
        if busy:
            out["busy_to_image"] = _r(img_msg["t"] - busy["t"])
        out["image_to_src"] = _r(pick["t_src"] - img_msg["t"])
    # main-thread time taken by long tasks (> 50 ms) between the key press and the frame
    lt = raw.get("longtasks") or []
    out["longtask_ms"] = _r(sum(max(0.0, min(e["start"] + e["duration"], pick["t_raf"]) - max(e["start"], t0))
                                for e in lt))
    out["src_to_decoded"] = _r(pick["t_dec"] - pick["t_src"])
    out["decoded_to_frame"] = _r(pick["t_raf"] - pick["t_dec"])
    kernel = out.get("send_to_image")
    out["kernel"] = kernel
    out["frontend"] = _r(out["total"] - kernel) if kernel is not None else None
    return out


BREAKDOWN = ["key_to_send", "send_to_busy", "busy_to_image", "image_to_src", "src_to_decoded",
             "decoded_to_frame", "kernel", "frontend", "longtask_ms"]


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between closest ranks; None for no values."""
    v = sorted(values)
    if not v:
        return None
    k = (len(v) - 1) * q / 100
    lo, hi = int(k), min(int(k) + 1, len(v) - 1)
    return v[lo] + (v[hi] - v[lo]) * (k - lo)


def summarise(presses: list[dict]) -> dict:
    """n, p50, p90, max of `total` over the presses that changed pixels, the median of each breakdown
    part, and the number of silent presses."""
    ok = [p for p in presses if p.get("status") == "ok"]
    totals = [p["total"] for p in ok]
    s = {"n": len(totals), "presses": len(presses), "silent": sum(p.get("status") != "ok" for p in presses),
         "p50": _r(percentile(totals, 50)), "p90": _r(percentile(totals, 90)),
         "max": _r(max(totals)) if totals else None,
         "from_page": sum(bool(p.get("from_page")) for p in ok)}
    for part in BREAKDOWN + ["image_bytes"]:
        vals = [p[part] for p in ok if p.get(part) is not None]
        s[part] = _r(statistics.median(vals)) if vals else None
    return s


# --- frontend diagnosis (benchmarks/bench_latency_browser.py) ------------------------------------------

# The PNG each widget <img> of the given cells shows now (base64), its pixel size and the size it is shown at.
GRAB_JS = """
async ([sel, cells]) => {
  const all = [...document.querySelectorAll(sel + ' .jp-Cell')];
  const out = [];
  for (const ci of cells) {
    const cell = all[ci];
    if (!cell) continue;
    for (const img of cell.querySelectorAll('.jp-OutputArea-output img')) {
      if (!img.src.startsWith('blob:')) continue;
      const buf = await (await fetch(img.src)).arrayBuffer();
      let s = '';
      const u = new Uint8Array(buf);
      for (let i = 0; i < u.length; i += 0x8000) s += String.fromCharCode.apply(null, u.subarray(i, i + 0x8000));
      out.push({cell: ci, b64: btoa(s), bytes: u.length, w: img.naturalWidth, h: img.naturalHeight,
                shown_w: img.clientWidth, shown_h: img.clientHeight, dpr: window.devicePixelRatio});
    }
  }
  return out;
}
"""

# For each {name, b64, mime}: the median time to show it the way ipywidgets' ImageView does (Blob ->
# object URL -> src of an <img> in the document -> img.decode() -> next animation frame), the decode
# alone (img.decode() of a new Image) and createImageBitmap (off the main thread).
DECODE_BENCH_JS = """
async ([items, reps]) => {
  const now = () => performance.now();
  const med = (a) => { const v = a.slice().sort((x, y) => x - y); return v[Math.floor(v.length / 2)]; };
  const frame = () => new Promise(r => requestAnimationFrame(() => r(now())));
  const shown = document.createElement('img');
  (document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-viewport, .jp-NotebookPanel:not(.lm-mod-hidden)') || document.body).appendChild(shown);
  const out = [];
  for (const it of items) {
    const bin = atob(it.b64);
    const u = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) u[i] = bin.charCodeAt(i);
    const r = {name: it.name, bytes: u.length, show: [], decode: [], bitmap: [], blob_url: [], data_url: []};
    const dataUrl = `data:${it.mime};base64,${it.b64}`;
    for (let k = 0; k < reps + 2; k++) {
      let t = now();
      const blob = new Blob([u], {type: it.mime});
      const url = URL.createObjectURL(blob);
      const tUrl = now() - t;
      t = now();
      const old = shown.src;
      shown.src = url;
      if (old) URL.revokeObjectURL(old);
      await shown.decode();
      await frame();
      const tShow = now() - t;
      const img = new Image();
      const url2 = URL.createObjectURL(blob);
      t = now(); img.src = url2; await img.decode(); const tDec = now() - t;
      URL.revokeObjectURL(url2);
      t = now(); const bm = await createImageBitmap(blob); const tBm = now() - t; bm.close();
      await frame();
      t = now(); shown.src = dataUrl; await shown.decode(); await frame(); const tData = now() - t;
      if (k >= 2) { r.show.push(tShow); r.decode.push(tDec); r.bitmap.push(tBm); r.blob_url.push(tUrl);
                    r.data_url.push(tData); }
      await frame();
    }
    out.push({name: r.name, bytes: r.bytes, show: med(r.show), decode: med(r.decode), bitmap: med(r.bitmap),
              blob_url: med(r.blob_url), data_url: med(r.data_url)});
  }
  shown.remove();
  return out;
}
"""
