// paxoscheck trace viewer. Everything about Paxos was computed in Go and
// embedded in #data; this script only draws it and steps through it.
//
// The diagram has a lane per client and per node and a row per step. A
// step's row starts with the step itself (a dot at its node and what it
// did) and then has one sub-row per message the step sent and per request
// or reply it exchanged with a client, each an arrow drawn straight across
// from lane to lane with its label in a box above it. No two labels share
// a sub-row, so no two overprint however long the trace; which later step
// consumed a message is said by that step's label ("⇐ #7") and by the
// message's tooltip, and the message consumed by the step shown is
// highlighted.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const steps = D.steps || [], arrows = D.arrows || [], columns = D.columns || [];
  const N = steps.length;
  const SVGNS = "http://www.w3.org/2000/svg";
  let cur = 0;

  const el = (tag, attrs, text) => {
    const e = document.createElement(tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const sv = (tag, attrs, text) => {
    const e = document.createElementNS(SVGNS, tag);
    for (const k in attrs || {}) e.setAttribute(k, attrs[k]);
    if (text !== undefined) e.textContent = text;
    return e;
  };
  const count = (n, what) => n + " " + what + (n === 1 ? "" : "s");

  // Header.
  const h = D.header || {};
  const clientCols = columns.filter((c) => c.client);
  const meta = ["source " + (h.source || "?")];
  [["acceptors", "acceptor"], ["proposers", "proposer"], ["learners", "learner"]].forEach(([k, what]) => {
    if (Array.isArray(h[k])) meta.push(count(h[k].length, what));
  });
  meta.push(count(clientCols.length, "client"));
  meta.push("bugs: " + ((h.bugs && h.bugs.length) ? h.bugs.join(", ") : "none"), count(N, "step"));
  document.getElementById("meta").textContent = meta.join(" · ");
  if (D.violation) {
    const v = document.getElementById("violation");
    v.hidden = false;
    v.textContent = D.violation;
  }

  // Geometry. Lanes: clients first, then nodes; x is a lane's middle.
  // The lanes narrow (to 3/5 at most: the narrowest still holds a label
  // and its role) to fit the panel, so that the drawing does not run under
  // the side panel; the drawing fills it, leaving room on the right for
  // labels.
  const CLIENT_W = 64, NODE_W = 104, GUTTER = 44, MARGIN = 24;
  const BASE = 26, SUB = 24, BOX_H = 14;
  const diagram = document.getElementById("diagram");
  const avail = diagram.clientWidth;
  const full = columns.reduce((w, c) => w + (c.client ? CLIENT_W : NODE_W), 0);
  const scale = Math.max(0.6, Math.min(1, (avail - GUTTER - MARGIN) / full));
  const nodeX = {}, clientX = {};
  let x = GUTTER;
  columns.forEach((c) => {
    c.w = Math.floor((c.client ? CLIENT_W : NODE_W) * scale);
    c.x = x;
    (c.client ? clientX : nodeX)[c.id] = x + c.w / 2;
    x += c.w;
  });
  const width = Math.max(x + MARGIN, avail);

  // Sub-rows of each step: the client's requests, the messages sent, the
  // replies. Step 0 holds the messages never seen sent.
  const subs = [];
  for (let s = 0; s <= N; s++) subs.push([]);
  steps.forEach((s) => (s.client || []).forEach((c) => { if (!c.reply) subs[s.step].push({ client: c, step: s }); }));
  arrows.forEach((a) => subs[a.from].push({ msg: a }));
  steps.forEach((s) => (s.client || []).forEach((c) => { if (c.reply) subs[s.step].push({ client: c, step: s }); }));
  const rowTop = [], rowH = [];
  let y = 4;
  for (let s = 0; s <= N; s++) {
    rowTop.push(y);
    rowH.push(BASE + subs[s].length * SUB);
    y += rowH[s];
  }
  const height = y + 8;

  // Lane headers, in HTML above the drawing.
  const lanes = el("div", { id: "lanes" });
  lanes.style.width = width + "px";
  columns.forEach((c) => {
    const title = c.client ? "lane " + c.label + ": client " + c.id : "lane " + c.label + ": " + c.role + ", node " + c.id;
    const d = el("div", { class: "lane" + (c.client ? " client" : ""), title: title, "data-lane": c.label });
    d.style.left = c.x + "px";
    d.style.width = c.w + "px";
    d.appendChild(el("span", { class: "lane-label" }, c.label));
    d.appendChild(el("span", { class: "lane-role" }, c.role));
    lanes.appendChild(d);
  });
  diagram.appendChild(lanes);

  const svg = sv("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, id: "flow" });
  diagram.appendChild(svg); // in the document now, so that text can be measured
  const defs = sv("defs");
  [["arrow", "#0969da"], ["arrow-nack", "#bc4c00"], ["arrow-drop", "#cf222e"], ["arrow-client", "#1a7f37"]].forEach(([id, color]) => {
    const m = sv("marker", { id: id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      markerUnits: "userSpaceOnUse", orient: "auto-start-reverse" });
    m.appendChild(sv("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
    defs.appendChild(m);
  });
  svg.appendChild(defs);

  // Row bands (clicking one goes to its step), step numbers, lifelines.
  const bands = [], stepNos = [];
  for (let s = 0; s <= N; s++) {
    const r = sv("rect", { x: 0, y: rowTop[s], width: width, height: rowH[s], class: "row" + (s % 2 ? " odd" : ""), "data-step": s });
    svg.appendChild(r);
    bands.push(r);
  }
  for (let s = 0; s <= N; s++) {
    const t = sv("text", { x: GUTTER - 8, y: rowTop[s] + BASE / 2 + 4, "text-anchor": "end", class: "stepno" }, s === 0 ? "init" : String(s));
    svg.appendChild(t);
    stepNos.push(t);
  }
  columns.forEach((c) => {
    const lx = c.x + c.w / 2;
    svg.appendChild(sv("line", { x1: lx, y1: 0, x2: lx, y2: height, class: "lifeline" + (c.client ? " client" : "") }));
  });
  svg.addEventListener("click", (e) => {
    const py = e.clientY - svg.getBoundingClientRect().top;
    for (let s = 0; s <= N; s++) {
      if (py >= rowTop[s] && py < rowTop[s] + rowH[s]) { go(s, false); return; }
    }
  });

  // label draws text in a box into g (in the drawing already, for the text
  // to be measured), the box's top at top: centred on cx
  // ("middle"), starting at cx ("start") or ending at cx ("end"), kept
  // inside the drawing; when it would not fit after cx it goes before
  // (flip). It returns the text element.
  function label(g, cx, top, parts, cls, align, flip) {
    const box = sv("rect", { y: top, height: BOX_H, rx: 3, class: "lbl-box" });
    const t = sv("text", { y: top + 11, class: cls });
    parts.forEach(([text, pcls]) => t.appendChild(sv("tspan", pcls ? { class: pcls } : {}, text)));
    g.appendChild(box);
    g.appendChild(t);
    const w = t.getComputedTextLength() + 8;
    let bx = align === "middle" ? cx - w / 2 : (align === "end" ? cx - w : cx);
    if (flip && bx + w > width - 2) bx = cx - 16 - w;
    bx = Math.max(2, Math.min(bx, width - 2 - w));
    box.setAttribute("x", bx);
    box.setAttribute("width", w);
    t.setAttribute("x", bx + 4);
    return t;
  }

  const byStep = []; // elements faded until their step is reached
  for (let s = 0; s <= N; s++) byStep.push([]);
  const byID = {};
  arrows.forEach((a) => { byID[a.id] = a; });

  // An arrow from x1 to x2 on line ly; from a lane to itself, a loop.
  function arrowShape(g, x1, x2, ly, marker) {
    if (x1 === x2) {
      const p = sv("path", { d: "M" + x1 + "," + (ly - 5) + " h24 v8 h-22", "marker-end": marker });
      g.appendChild(p);
      return { el: p, x1: x1, end: x1 + 2, lost: x1 + 24 };
    }
    const dir = x2 > x1 ? 1 : -1;
    const ln = sv("line", { x1: x1, y1: ly, x2: x2 - dir * 2, y2: ly, "marker-end": marker });
    g.appendChild(ln);
    return { el: ln, x1: x1, end: x2 - dir * 2, lost: x1 + (x2 - x1) * 0.6, dir: dir };
  }

  // Messages.
  function drawMsg(a, top) {
    const x1 = nodeX[a.src], x2 = nodeX[a.dst], ly = top + 19;
    const nack = a.text.startsWith("nack");
    const g = svg.appendChild(sv("g", { class: "msg" + (nack ? " nack" : ""), "data-id": a.id, "data-from": a.from }));
    a.marker = nack ? "url(#arrow-nack)" : "url(#arrow)";
    a.shape = arrowShape(g, x1, x2, ly, a.marker);
    a.cross = sv("text", { x: a.shape.lost, y: ly + 4, "text-anchor": "middle", class: "x" }, "✕");
    g.appendChild(a.cross);
    const txt = "#" + a.id + " " + a.text + (a.dupOf ? " (dup of #" + a.dupOf + ")" : "");
    label(g, (x1 + x2) / 2 + (x1 === x2 ? 12 : 0), top + 2, [[txt]], "lbl", "middle");
    const src = columns.find((c) => !c.client && c.id === a.src), dst = columns.find((c) => !c.client && c.id === a.dst);
    let fate = a.to ? (a.dropped ? ", dropped at step " + a.to : ", consumed at step " + a.to) : ", never delivered";
    if (!a.from) fate = " (not seen sent)" + fate;
    else fate = ", sent at step " + a.from + fate;
    g.appendChild(sv("title", {}, txt + ": " + (src ? src.label : a.src) + " → " + (dst ? dst.label : a.dst) + fate));
    a.g = g;
    byStep[a.from].push(g);
  }

  // Requests from clients and replies to them.
  const clientMsgs = [];
  function drawClient(c, s, top) {
    const cx = clientX[c.client], nx = nodeX[s.node], ly = top + 19;
    const g = svg.appendChild(sv("g", { class: "cmsg", "data-step": s.step, "data-client": c.client }));
    const sh = c.reply ? arrowShape(g, nx, cx, ly, "url(#arrow-client)") : arrowShape(g, cx, nx, ly, "url(#arrow-client)");
    const lane = columns.find((k) => k.client && k.id === c.client);
    label(g, (cx + nx) / 2, top + 2, [[c.text]], "lbl", "middle");
    g.appendChild(sv("title", {}, (lane ? lane.label : "client " + c.client) + (c.reply ? " ← " : " → ") + c.text + " (step " + s.step + ")"));
    byStep[s.step].push(g);
    clientMsgs.push({ g: g, step: s.step, shape: sh });
  }

  for (let s = 0; s <= N; s++) {
    subs[s].forEach((it, k) => {
      const top = rowTop[s] + BASE + k * SUB;
      if (it.msg) drawMsg(it.msg, top);
      else drawClient(it.client, it.step, top);
    });
  }

  // The steps: a dot at the node and what it did.
  steps.forEach((s) => {
    const nx = nodeX[s.node], yc = rowTop[s.step] + BASE / 2;
    const kind = s.action === "Crash" ? " crash" : (s.action === "Restart" ? " restart" : "");
    const g = svg.appendChild(sv("g", { class: "step" + kind, "data-step": s.step }));
    g.appendChild(sv("circle", { cx: nx, cy: yc, r: 4.5, class: "dot" + kind }));
    let ref = "";
    if (s.msg) {
      const a = byID[s.msg];
      const copy = arrows.find((b) => b.from === s.step && b.dupOf === s.msg);
      if (copy) ref = " #" + s.msg + " ⇒ #" + copy.id;
      else if (a && a.dropped && a.to === s.step) ref = " ✕ #" + s.msg;
      else ref = " ⇐ #" + s.msg;
    }
    const parts = [[s.action + ref]];
    if (s.mark) parts.push([" · " + s.mark, "mark"]);
    label(g, nx + 8, yc - BOX_H / 2, parts, "lbl", "start", true);
    g.appendChild(sv("title", {}, "step " + s.step + ": " + s.text));
    byStep[s.step].push(g);
  });

  // The sticky parts sit below the controls, whatever their height.
  const controls = document.getElementById("controls");
  const fit = () => document.documentElement.style.setProperty("--controls-h", controls.offsetHeight + "px");
  fit();
  window.addEventListener("resize", fit);

  // Node states.
  const stateEl = document.getElementById("state");
  const pres = {};
  const cards = {};
  (D.states[0] || []).forEach((n) => {
    const card = el("div", { class: "node", id: n.id + "-card" });
    card.appendChild(el("h3", {}, n.title));
    const pre = el("pre", { id: n.id });
    card.appendChild(pre);
    stateEl.appendChild(card);
    pres[n.id] = pre;
    cards[n.id] = card;
  });

  function renderState(s) {
    const now = D.states[s], before = s > 0 ? D.states[s - 1] : null;
    now.forEach((n, i) => {
      const pre = pres[n.id];
      pre.textContent = "";
      const old = {};
      if (before && before[i]) before[i].fields.forEach((f) => { old[f.name] = f.value; });
      n.fields.forEach((f) => {
        const line = el("span", {}, f.name + ": " + f.value + "\n");
        if (before && old[f.name] !== f.value) line.className = "changed";
        pre.appendChild(line);
      });
      const crashed = n.fields.some((f) => f.name === "status" && f.value === "crashed");
      cards[n.id].className = "node" + (crashed ? " crashed" : "");
    });
  }

  function renderInvariants(s) {
    const t = document.getElementById("invariants");
    t.textContent = "";
    const inv = D.invariants[s] || [];
    if (inv.length === 0) {
      t.appendChild(el("tr", {})).appendChild(el("td", {}, "no invariants registered in checker/invariant.All"));
      return;
    }
    inv.forEach((r) => {
      const tr = el("tr", { class: r.ok ? "" : "fail", id: "inv-" + r.name });
      tr.appendChild(el("td", {}, r.name));
      tr.appendChild(el("td", { class: r.ok ? "ok" : "fail" }, r.ok ? "holds" : "VIOLATED"));
      tr.appendChild(el("td", {}, r.detail || ""));
      t.appendChild(tr);
    });
  }

  function renderHistory(s) {
    const t = document.getElementById("history");
    t.textContent = "";
    const hd = el("tr");
    ["client", "Invoke", "proposes", "Return", "told"].forEach((x) => hd.appendChild(el("th", {}, x)));
    t.appendChild(hd);
    (D.history || []).forEach((op) => {
      const tr = el("tr");
      const invoked = op.invokeStep <= s, returned = op.returnStep > 0 && op.returnStep <= s;
      tr.appendChild(el("td", {}, "C" + op.client));
      tr.appendChild(el("td", {}, "step " + op.invokeStep));
      tr.appendChild(el("td", {}, op.value));
      tr.appendChild(el("td", {}, op.returnStep ? "step " + op.returnStep : "never"));
      tr.appendChild(el("td", {}, returned ? op.reply : (invoked ? "(pending)" : "")));
      if (!invoked) tr.className = "future";
      t.appendChild(tr);
    });
    document.getElementById("verdict").textContent = "Porcupine: " + D.verdict + (D.verdictDetail ? " — " + D.verdictDetail : "");
  }

  // Each message as it stands at step s: not sent yet (faded), in flight
  // (dashed), consumed, or dropped (cut short, crossed out).
  function renderMessages(s) {
    const consumed = s > 0 ? steps[s - 1].msg : 0;
    arrows.forEach((a) => {
      const inflight = s >= a.from && (!a.to || s < a.to);
      const dropped = !!a.dropped && a.to > 0 && s >= a.to;
      a.g.classList.toggle("inflight", inflight);
      a.g.classList.toggle("dropped", dropped);
      a.g.classList.toggle("now", a.id === consumed);
      const sh = a.shape;
      if (sh.dir) {
        sh.el.setAttribute("x2", dropped ? sh.lost - sh.dir * 7 : sh.end);
        sh.el.setAttribute("marker-end", dropped ? "" : a.marker);
      }
    });
    clientMsgs.forEach((c) => c.g.classList.toggle("now", c.step === s));
  }

  // reveal scrolls the window, when step s's row is not wholly in view
  // below the sticky controls and lane headers, to bring it a third of
  // the way down the view: the steps before it stay in sight.
  function reveal(s) {
    const r = bands[s].getBoundingClientRect();
    const top = Math.max(lanes.getBoundingClientRect().bottom, controls.getBoundingClientRect().bottom);
    const bottom = window.innerHeight;
    if (r.top >= top && r.bottom <= bottom) return;
    const room = bottom - top - r.height;
    window.scrollBy(0, r.top - top - Math.max(4, room / 3));
  }

  // The address names the step shown: #step=N.
  function hashStep() {
    const m = /^#step=(\d+)$/.exec(location.hash);
    return m ? Math.min(N, parseInt(m[1], 10)) : null;
  }

  function go(s, scroll) {
    cur = Math.max(0, Math.min(N, s));
    document.getElementById("position").textContent = "step " + cur + " / " + N;
    document.getElementById("action").textContent = cur === 0 ? "initial state" : "step " + cur + ": " + steps[cur - 1].text;
    bands.forEach((r, i) => r.classList.toggle("current", i === cur));
    stepNos.forEach((t, i) => t.classList.toggle("current", i === cur));
    byStep.forEach((els, i) => els.forEach((e) => e.classList.toggle("future", i > cur)));
    renderMessages(cur);
    renderState(cur);
    renderInvariants(cur);
    renderHistory(cur);
    const want = "#step=" + cur;
    if (location.hash !== want) {
      try {
        history.replaceState(null, "", want);
      } catch (e) {
        location.hash = want; // hashchange comes back here with cur unchanged
      }
    }
    if (scroll) reveal(cur);
  }

  document.getElementById("prev").addEventListener("click", () => go(cur - 1, true));
  document.getElementById("next").addEventListener("click", () => go(cur + 1, true));
  document.getElementById("first").addEventListener("click", () => go(0, true));
  document.getElementById("last").addEventListener("click", () => go(N, true));
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { go(cur + 1, true); e.preventDefault(); }
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { go(cur - 1, true); e.preventDefault(); }
    if (e.key === "Home") { go(0, true); e.preventDefault(); }
    if (e.key === "End") { go(N, true); e.preventDefault(); }
  });
  window.addEventListener("hashchange", () => {
    const s = hashStep();
    if (s !== null && s !== cur) go(s, true);
  });
  const start = hashStep();
  go(start === null ? 0 : start, start !== null);
})();
