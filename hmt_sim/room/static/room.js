// hmt-sim room page: one script for seats, the red cell and the facilitator.
// Builds the page with textContent only (no HTML from data), talks to its own server only,
// reconnects with backoff after a dropped connection, and resends unanswered inputs (each has
// an id, so the server answers a resent one again instead of applying it twice).
"use strict";
(function () {
  const CFG = JSON.parse(document.getElementById("config").textContent);
  const L = CFG.labels || {};
  const token = new URLSearchParams(location.search).get("t") || "";
  const main = document.getElementById("main");
  const conn = document.getElementById("conn");
  const banner = document.getElementById("banner");
  const clockEl = document.getElementById("clock");
  const outbox = new Map();
  const infos = new Map();
  let ws = null, backoff = 500, refused = false, state = null, seq = 0, lastError = "";

  function fmt(text, vals) {
    return String(text).replace(/\{(\w+)\}/g, (m, k) => (k in vals ? String(vals[k]) : m));
  }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }
  function mmss(t) {
    t = Math.max(0, Math.floor(t || 0));
    return String(Math.floor(t / 60)).padStart(2, "0") + ":" + String(t % 60).padStart(2, "0");
  }
  function pct(x) { return x === null || x === undefined ? "?" : Math.round(x * 100); }
  function show(v) {
    if (v === null || v === undefined) return "-";
    if (Array.isArray(v)) return v.map(show).join(", ");
    if (typeof v === "object") return Object.entries(v).map(([k, x]) => k + " " + show(x)).join(", ");
    if (typeof v === "number" && !Number.isInteger(v)) return String(Math.round(v * 1000) / 1000);
    return String(v);
  }
  function lines(v) {
    if (v === null || v === undefined) return [];
    if (Array.isArray(v)) return v.map(show);
    if (typeof v === "object") return Object.entries(v).filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => k.replace(/_/g, " ") + ": " + show(x));
    return [String(v)];
  }
  function word(w) { return w ? (L["w:" + w] || String(w).replace(/_/g, " ")) : "?"; }

  if (CFG.role === "refused" || CFG.role === "index") {
    conn.hidden = true;
    main.appendChild(el("p", CFG.role === "refused" ? "error" : "", CFG.message));
    return;
  }
  main.className = CFG.role;

  // ------------------------------------------------------------------ connection
  function connect() {
    const proto = location.protocol === "https:" ? "wss:" : "ws:";
    ws = new WebSocket(proto + "//" + location.host + "/ws/" + CFG.who + "?t="
      + encodeURIComponent(token));
    ws.onopen = () => {
      backoff = 500;
      setConn(true);
      for (const msg of outbox.values()) ws.send(JSON.stringify(msg));
    };
    ws.onmessage = (ev) => {
      let msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      onMessage(msg);
    };
    ws.onclose = () => {
      setConn(false);
      if (refused) return;
      setTimeout(connect, backoff);
      backoff = Math.min(backoff * 2, 8000);
    };
  }
  function setConn(on) {
    conn.className = "conn " + (on ? "on" : "off");
    conn.textContent = on ? L.connected : L.reconnecting;
  }
  function send(msg) {
    msg.id = Date.now().toString(36) + "-" + (++seq) + "-" + Math.random().toString(36).slice(2, 8);
    outbox.set(msg.id, msg);
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
    return msg.id;
  }
  function onMessage(msg) {
    if (msg.kind === "state") { state = msg; render(); return; }
    if (msg.kind === "refused") {
      refused = true;
      showBanner(msg.message, true);
      main.replaceChildren(el("p", "error", msg.message));
      return;
    }
    const sent = msg.id ? outbox.get(msg.id) : null;
    if (msg.kind === "error" && msg.retry && sent) {
      setTimeout(() => { if (ws && ws.readyState === WebSocket.OPEN && outbox.has(msg.id))
        ws.send(JSON.stringify(sent)); }, 1000);
      return;
    }
    if (msg.id) outbox.delete(msg.id);
    if (msg.kind === "inspected") infos.set(msg.decision, msg.info);
    if (msg.kind === "error") { lastError = L.error + ": " + msg.message; }
    else { lastError = ""; }
    if (msg.kind === "done" && msg.link) lastError = "";
    render();
  }
  function showBanner(text, bad) {
    banner.hidden = !text;
    banner.textContent = text || "";
    banner.className = "banner" + (bad ? " bad" : "");
  }
  function inFlight(kind, decision) {
    for (const m of outbox.values()) if (m.kind === kind && m.decision === decision) return true;
    return false;
  }

  // ------------------------------------------------------------------ common
  function header() {
    if (!state) return;
    clockEl.textContent = fmt(L.time, { clock: mmss(state.t), end: mmss(state.duration) });
    if (state.finished) showBanner(L.finished, false);
    else if (state.paused) showBanner(L.paused, false);
    else showBanner("", false);
  }
  function section(title, cls) {
    const s = el("section", cls || "");
    if (title) s.appendChild(el("h2", "", title));
    return s;
  }
  function errorLine(parent) {
    if (lastError) parent.appendChild(el("p", "error", lastError));
  }

  // ------------------------------------------------------------------ seat
  function renderCard(c) {
    const box = el("div", "card");
    box.dataset.decision = c.decision;
    box.appendChild(el("h3", "", fmt(L.decision, { d: c.decision, track: c.track })));
    box.appendChild(el("p", "", fmt(L.action, { action: word(c.action) })));
    if (c.advice_shown === false || c.label === null || c.label === undefined)
      box.appendChild(el("p", "", L.no_ai_call));
    else box.appendChild(el("p", "", fmt(L.ai_call, { label: word(c.label),
      confidence: pct(c.confidence) })));
    if (c.explanation) box.appendChild(el("p", "why", c.explanation));
    box.appendChild(el("p", "why", fmt(L.level, { level: c.level })));
    if (c.configured_level !== undefined && c.configured_level !== null
        && c.configured_level !== c.level)
      box.appendChild(el("p", "differs", fmt(L.level_differs, { configured: c.configured_level,
        level: c.level, reason: c.level_reason || "" })));
    if (c.time_left_s !== null && c.time_left_s !== undefined) {
      const bar = el("div", "bar"), fill = el("div");
      const total = c.time_left_s + (c.waiting_s || 0);
      fill.style.width = Math.max(0, Math.min(100, 100 * c.time_left_s / Math.max(total, 1))) + "%";
      bar.appendChild(fill);
      box.appendChild(bar);
      box.appendChild(el("div", "left", fmt(L.time_left, { s: Math.ceil(c.time_left_s) })));
    } else {
      box.appendChild(el("div", "left", L.no_deadline));
    }
    const row = el("div", "buttons");
    const busy = inFlight("decide", c.decision);
    const mk = (cls, label, fn) => {
      const b = el("button", cls, busy ? L.sent : label);
      b.type = "button";
      b.disabled = busy || state.finished;
      b.addEventListener("click", fn);
      row.appendChild(b);
    };
    mk("approve", L.approve, () => { send({ kind: "decide", decision: c.decision, choice: "approve" }); render(); });
    mk("reject", L.reject, () => { send({ kind: "decide", decision: c.decision, choice: "reject" }); render(); });
    mk("inspect", c.inspected ? L.inspected : L.inspect, () => {
      send({ kind: "inspect", decision: c.decision }); render(); });
    box.appendChild(row);
    const info = infos.get(c.decision);
    if (info) box.appendChild(renderInfo(info));
    return box;
  }
  function renderInfo(info) {
    const box = el("div", "info");
    box.appendChild(el("strong", "", fmt(L.inspect_title, { track: info.track })));
    const cls = info.classification;
    if (cls) box.appendChild(el("p", "", fmt(L.classification, { label: word(cls.label),
      confidence: pct(cls.confidence), region: cls.region || "-" })));
    const list = (title, items) => {
      if (!items || !items.length) return;
      box.appendChild(el("p", "", title));
      const ul = el("ul");
      for (const it of items) ul.appendChild(el("li", "", it));
      box.appendChild(ul);
    };
    list(L.evidence, info.evidence_lines || lines(info.evidence));
    list(L.reasons, info.reasons_lines || lines(info.reasons));
    for (const r of (info.recommendations || []).slice(-2))
      box.appendChild(el("p", "why", fmt(L.recommendation, { action: word(r.action),
        level: r.level, explanation: r.explanation || "" })));
    if (info.gate_lines)
      for (const g of info.gate_lines.slice(-4)) box.appendChild(el("p", "why", g));
    else for (const g of (info.gates || []).slice(-4))
      box.appendChild(el("p", "why", fmt(L.gate, { rule: g.rule, outcome: g.outcome })
        + (g.detail ? " (" + g.detail + ")" : "")));
    return box;
  }
  let mapCanvas = null;
  function buildMap(parent) {
    mapCanvas = el("canvas");
    parent.appendChild(mapCanvas);
    const legend = el("div", "legend");
    for (const [k, c] of [["hostile", "--hostile"], ["civilian", "--civilian"],
      ["unknown", "--other"], ["asset", "--asset"], ["site", "--site"], ["mine", "--warn"]]) {
      const s = el("span", "", L["legend_" + k]);
      s.style.setProperty("--c", "var(" + c + ")");
      legend.appendChild(s);
    }
    parent.appendChild(legend);
  }
  function drawMap() {
    const m = CFG.map, canvas = mapCanvas;
    if (!canvas || !canvas.parentElement) return;
    const room = canvas.parentElement.clientWidth - 24;
    const fit = Math.max(240, (window.innerHeight - 170) * m.w / m.h);
    const w = Math.max(200, Math.min(room, fit));  // the whole map in view on a laptop
    const h = Math.round(w * m.h / m.w);
    const dpr = window.devicePixelRatio || 1;
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr); canvas.height = Math.round(h * dpr);
      canvas.style.width = w + "px"; canvas.style.height = h + "px";
      canvas.style.margin = "0 auto";
    }
    const g = canvas.getContext("2d");
    g.setTransform(dpr, 0, 0, dpr, 0, 0);
    g.clearRect(0, 0, w, h);
    const sx = w / m.w, sy = h / m.h;
    const X = (x) => x * sx, Y = (y) => h - y * sy;
    g.strokeStyle = "#1c2b3a"; g.lineWidth = 1;
    for (let k = 10; k < m.w; k += 10) { g.beginPath(); g.moveTo(X(k), 0); g.lineTo(X(k), h); g.stroke(); }
    for (let k = 10; k < m.h; k += 10) { g.beginPath(); g.moveTo(0, Y(k)); g.lineTo(w, Y(k)); g.stroke(); }
    for (const s of m.sites || []) {
      const r = Math.max(4, s.r * sx);
      g.strokeStyle = "#c58cff"; g.lineWidth = 1.5;
      g.strokeRect(X(s.x) - r, Y(s.y) - r, 2 * r, 2 * r); g.lineWidth = 1;
    }
    g.fillStyle = "#5aa9ff"; g.beginPath();
    g.arc(X(m.asset.x), Y(m.asset.y), Math.max(5, m.asset.r * sx), 0, 7); g.fill();
    const css = getComputedStyle(document.documentElement);
    const colour = (lab) => css.getPropertyValue(lab === "hostile" ? "--hostile"
      : (lab === "civilian" ? "--civilian" : "--other")).trim();
    g.font = "11px system-ui, sans-serif";
    for (const [track, x, y, label, , mine] of (state && state.tracks) || []) {
      const t = { track, x, y, label, mine };
      g.fillStyle = colour(t.label);
      g.beginPath(); g.arc(X(t.x), Y(t.y), t.mine ? 5 : 3.5, 0, 7); g.fill();
      if (t.mine) {
        g.strokeStyle = css.getPropertyValue("--warn").trim(); g.lineWidth = 2;
        g.beginPath(); g.arc(X(t.x), Y(t.y), 9, 0, 7); g.stroke(); g.lineWidth = 1;
        g.fillStyle = "#e8eef4"; g.fillText(String(t.track), X(t.x) + 11, Y(t.y) + 4);
      }
    }
  }
  let seatBuilt = null, cardsKey = "", msgsKey = "";
  function buildSeat() {
    seatBuilt = { msgs: section(L.messages, "col-msg"), cards: section(null, "col-cards"),
      map: section(L.map, "col-map"), list: el("div"), status: el("div") };
    seatBuilt.cards.id = "cards";
    seatBuilt.cards.append(seatBuilt.list, seatBuilt.status);
    seatBuilt.msgs.hidden = true;
    buildMap(seatBuilt.map);
    main.replaceChildren(seatBuilt.msgs, seatBuilt.cards, seatBuilt.map);
  }
  function renderSeat() {
    if (!seatBuilt) buildSeat();
    const msgs = (state.messages || []).slice(-5).reverse();
    const mk = JSON.stringify(msgs);
    if (mk !== msgsKey) {
      msgsKey = mk;
      const s = seatBuilt.msgs;
      s.replaceChildren(el("h2", "", L.messages));
      for (const m of msgs) {
        const d = el("div", "msg");
        d.appendChild(el("time", "", m.at));
        d.appendChild(document.createTextNode(m.text));
        s.appendChild(d);
      }
      s.hidden = !msgs.length;
    }
    // Cards are rebuilt only when what they say changes (not each countdown tick), so a
    // finger on a button never lands on a replaced element.
    const still = state.cards.map((c) => ({ ...c, time_left_s: null, waiting_s: null }));
    const key = JSON.stringify([still, [...infos.keys()], [...outbox.values()], lastError,
      state.finished]);
    if (key !== cardsKey) {
      cardsKey = key;
      const list = [];
      if (lastError) list.push(el("p", "error", lastError));
      if (!state.cards.length) list.push(el("p", "empty", L.no_cards));
      for (const c of state.cards) list.push(renderCard(c));
      seatBuilt.list.replaceChildren(...list);
    } else {
      for (const c of state.cards) {
        const box = seatBuilt.list.querySelector(".card[data-decision='" + c.decision + "']");
        if (!box || c.time_left_s === null || c.time_left_s === undefined) continue;
        const total = c.time_left_s + (c.waiting_s || 0);
        const fill = box.querySelector(".bar > div"), left = box.querySelector(".left");
        if (fill) fill.style.width = Math.max(0, Math.min(100, 100 * c.time_left_s / Math.max(total, 1))) + "%";
        if (left) left.textContent = fmt(L.time_left, { s: Math.ceil(c.time_left_s) });
      }
    }
    const status = [el("p", "status", fmt(state.queue === 1 ? L.queue_one : L.queue, { n: state.queue }))];
    if (state.comms_up === false) status.push(el("p", "error", L.comms_down));
    seatBuilt.status.replaceChildren(...status);
    drawMap();
  }

  // ------------------------------------------------------------------ red cell
  function renderRed() {
    const s = section(L.red);
    errorLine(s);
    if (state.unavailable) { s.appendChild(el("p", "error", L.red_unavailable)); main.replaceChildren(s); return; }
    s.appendChild(el("p", "", fmt(L.red_rung, { rung: state.rung, name: state.rung_name })));
    s.appendChild(el("p", "", fmt(L.blue_rung, { rung: state.blue_rung, name: state.blue_rung_name })));
    if (state.next_reaction_s !== null && state.next_reaction_s !== undefined)
      // next_reaction_s is a simulation time; the page says how long until then
      s.appendChild(el("p", "status", fmt(L.red_next, {
        s: Math.max(0, Math.ceil(state.next_reaction_s - state.t)) })));
    const chosen = state.chosen || "model";
    if (state.red_cell === false) s.appendChild(el("p", "error", L.red_unavailable));
    s.appendChild(el("p", "", fmt(L.red_chosen, { step: L[chosen] || chosen })));
    const row = el("div", "steps");
    for (const step of CFG.steps) {
      const b = el("button", step === chosen ? "chosen" : "", L[step] || step);
      b.type = "button";
      b.disabled = state.finished || inFlight("red_choose", undefined);
      b.addEventListener("click", () => { send({ kind: "red_choose", step: step }); render(); });
      row.appendChild(b);
    }
    s.appendChild(row);
    const hist = section(L.red_history);
    if (!(state.history || []).length) hist.appendChild(el("p", "empty", L.red_none));
    const ul = el("ul");
    for (const h of (state.history || []).slice(-12).reverse())
      ul.appendChild(el("li", "", mmss(h.t) + "  " + (L[h.step] || h.step) + " · "
        + (h.by === "red_cell" ? L.by_red_cell : L.by_model)));
    hist.appendChild(ul);
    main.replaceChildren(s, hist);
  }

  // ------------------------------------------------------------------ facilitator
  let facBuilt = false, seatBody = null, toggle = null, speedSel = null, inputsEl = null;
  function buildFacilitator() {
    const ctl = section(null);
    const row = el("div", "row");
    toggle = el("button", "inspect", L.pause);
    toggle.type = "button";
    toggle.addEventListener("click", () => send({ kind: state.paused ? "resume" : "pause" }));
    row.appendChild(toggle);
    row.appendChild(el("span", "", L.speed));
    speedSel = el("select");
    for (const v of CFG.speeds) { const o = el("option", "", v + "x"); o.value = v; speedSel.appendChild(o); }
    speedSel.addEventListener("change", () => send({ kind: "speed", speed: Number(speedSel.value) }));
    row.appendChild(speedSel);
    inputsEl = el("span", "status");
    row.appendChild(inputsEl);
    ctl.appendChild(row);
    const msgRow = el("div", "row");
    msgRow.style.marginTop = "0.6rem";
    msgRow.appendChild(el("span", "", L.message_to));
    const to = el("select");
    to.id = "msg-to";
    const all = el("option", "", L.all_seats); all.value = "0"; to.appendChild(all);
    for (const s of state.seats) { const o = el("option", "", fmt(L.seat, { n: s.seat })); o.value = s.seat; to.appendChild(o); }
    msgRow.appendChild(to);
    const text = el("input"); text.type = "text"; text.maxLength = 280; text.id = "msg-text";
    msgRow.appendChild(text);
    const go = el("button", "approve", L.send); go.type = "button";
    go.addEventListener("click", () => {
      if (!text.value.trim()) return;
      send({ kind: "message", seat: Number(to.value), text: text.value.trim() });
      text.value = "";
    });
    msgRow.appendChild(go);
    ctl.appendChild(msgRow);
    const seats = section(null);
    const table = el("table");
    seatBody = el("tbody");
    table.appendChild(seatBody);
    seats.appendChild(table);
    main.replaceChildren(ctl, seats);
    facBuilt = true;
  }
  function qrImg(who, link) {
    const img = el("img");
    img.alt = link;
    img.src = "/qr/" + who.replace("/", "-") + ".svg?t=" + encodeURIComponent(token) + "&l=" + encodeURIComponent(link.slice(-6));
    return img;
  }
  function renderFacilitator() {
    if (!facBuilt) buildFacilitator();
    toggle.textContent = state.paused ? L.resume : L.pause;
    toggle.disabled = state.finished;
    if (document.activeElement !== speedSel) {
      // a speed set on the command line (--speed 20) may not be one of the menu's
      if (![...speedSel.options].some((o) => o.value === String(state.speed))) {
        const o = el("option", "", state.speed + "x"); o.value = String(state.speed);
        speedSel.appendChild(o);
      }
      speedSel.value = String(state.speed);
    }
    inputsEl.textContent = fmt(L.inputs, { n: state.inputs }) + (lastError ? " · " + lastError : "")
      + (state.write_error ? " · " + state.write_error : "");
    const rows = [];
    const line = (name, who, info, extra) => {
      const tr = el("tr");
      tr.appendChild(el("td", "", name));
      tr.appendChild(el("td", "", info.connected ? L.connected + " (" + info.connected + ")" : L.not_connected));
      tr.appendChild(el("td", "", extra));
      const td = el("td", "qr");
      td.appendChild(qrImg(who, info.link));
      tr.appendChild(td);
      tr.appendChild(el("td", "link", info.link));
      const act = el("td");
      if (who.startsWith("seat/")) {
        const b = el("button", "reject", L.reassign); b.type = "button";
        b.addEventListener("click", () => {
          if (confirm(fmt(L.reassign_confirm, { n: who.slice(5) }))) send({ kind: "reassign", seat: Number(who.slice(5)) });
        });
        act.appendChild(b);
      }
      tr.appendChild(act);
      rows.push(tr);
    };
    for (const s of state.seats) line(fmt(L.seat, { n: s.seat }) + " (" + s.operator + ")", "seat/" + s.seat, s, fmt(s.cards === 1 ? L.cards_waiting_one : L.cards_waiting, { n: s.cards }));
    if (state.red) line(L.red, "red", state.red, "");
    seatBody.replaceChildren(...rows);
  }

  function render() {
    if (!state) return;
    header();
    if (CFG.role === "seat") renderSeat();
    else if (CFG.role === "red") renderRed();
    else renderFacilitator();
  }
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => { cardsKey = ""; render(); }, 150);
  });
  setConn(false);
  connect();
})();
