// paxoscheck trace viewer. Everything about Paxos was computed in Go and
// embedded in #data; this script only draws it and steps through it.
"use strict";
(function () {
  const D = JSON.parse(document.getElementById("data").textContent);
  const N = D.steps ? D.steps.length : 0;
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

  // Header.
  const h = D.header;
  const meta = ["source " + (h.source || "?"), (h.acceptors || []).length + " acceptors",
    (h.proposers || []).length + " proposers", (h.learners || []).length + " learners",
    "bugs: " + ((h.bugs && h.bugs.length) ? h.bugs.join(", ") : "none"), N + " steps"];
  document.getElementById("meta").textContent = meta.join(" · ");
  if (h.violation) {
    const v = document.getElementById("violation");
    v.hidden = false;
    v.textContent = "Invariant " + h.violation.invariant + " violated after step " + h.violation.step +
      (h.violation.detail ? ": " + h.violation.detail : "");
  }

  // Diagram: one column per node, one row per step; an arrow per message
  // from the row where it was sent to the row where it was consumed.
  const colW = 118, rowH = 26, left = 48, top = 34;
  const col = {};
  D.columns.forEach((c, i) => { col[c.id] = left + colW / 2 + i * colW; });
  const rowY = (s) => top + s * rowH;
  const width = left + D.columns.length * colW + 10, height = rowY(N) + rowH;
  const svg = sv("svg", { width: width, height: height, viewBox: "0 0 " + width + " " + height, id: "flow" });
  const defs = sv("defs");
  [["arrow", "#0969da"], ["arrow-nack", "#bc4c00"], ["arrow-drop", "#cf222e"]].forEach(([id, color]) => {
    const m = sv("marker", { id: id, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" });
    m.appendChild(sv("path", { d: "M0,0 L10,5 L0,10 z", fill: color }));
    defs.appendChild(m);
  });
  svg.appendChild(defs);
  const rows = [];
  for (let s = 0; s <= N; s++) {
    const r = sv("rect", { x: 0, y: rowY(s) - rowH / 2, width: width, height: rowH, class: "row", fill: "transparent" });
    r.addEventListener("click", () => go(s));
    svg.appendChild(r);
    rows.push(r);
    svg.appendChild(sv("text", { x: 4, y: rowY(s) + 4 }, s === 0 ? "init" : String(s)));
  }
  D.columns.forEach((c) => {
    svg.appendChild(sv("text", { x: col[c.id], y: 16, "text-anchor": "middle", class: "head" }, c.label + " " + c.role.slice(0, 3)));
    svg.appendChild(sv("line", { x1: col[c.id], y1: 22, x2: col[c.id], y2: height - 4, class: "lifeline" }));
  });
  const byStep = []; // elements to fade in as the step is reached
  for (let s = 0; s <= N; s++) byStep.push([]);
  (D.arrows || []).forEach((a) => {
    const x1 = col[a.src], x2 = col[a.dst];
    const y1 = rowY(a.from);
    let y2 = a.to ? rowY(a.to) : rowY(N) + rowH / 2;
    let cls = "msg", marker = "url(#arrow)";
    if (a.text.startsWith("nack")) { cls += " nack"; marker = "url(#arrow-nack)"; }
    if (a.dropped) { cls += " dropped"; marker = "url(#arrow-drop)"; }
    if (!a.to) cls += " pending";
    const g = sv("g");
    let x2e = x2;
    if (a.dropped) x2e = x1 + (x2 - x1) * 0.6; // lost on the way
    const line = sv("line", { x1: x1, y1: y1, x2: x2e, y2: y2, class: cls, "marker-end": marker });
    g.appendChild(line);
    if (a.dropped) g.appendChild(sv("text", { x: x2e - 4, y: y2 + 4, class: "mark drop" }, "✕"));
    const mx = x1 + (x2e - x1) * 0.5, my = y1 + (y2 - y1) * 0.5;
    g.appendChild(sv("text", { x: mx + 3, y: my - 3, class: "lbl" }, "#" + a.id + " " + a.text + (a.dupOf ? " (dup of #" + a.dupOf + ")" : "")));
    const t = sv("title", {}, "#" + a.id + " " + a.text + (a.to ? "" : " (never delivered)"));
    g.appendChild(t);
    svg.appendChild(g);
    byStep[a.from].push(g);
  });
  (D.steps || []).forEach((s) => {
    const x = col[s.node], y = rowY(s.step);
    const dot = sv("circle", { cx: x, cy: y, r: 4, fill: "#24292f" });
    dot.appendChild(sv("title", {}, s.text));
    svg.appendChild(dot);
    byStep[s.step].push(dot);
    if (s.mark) {
      const cls = "mark" + (s.action === "Crash" ? " crash" : "");
      const m = sv("text", { x: x + 7, y: y + 4, class: cls }, s.mark);
      svg.appendChild(m);
      byStep[s.step].push(m);
    }
  });
  document.getElementById("diagram").appendChild(svg);

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
      tr.appendChild(el("td", {}, "c" + op.client));
      tr.appendChild(el("td", {}, "step " + op.invokeStep));
      tr.appendChild(el("td", {}, op.value));
      tr.appendChild(el("td", {}, op.returnStep ? "step " + op.returnStep : "never"));
      tr.appendChild(el("td", {}, returned ? op.reply : (invoked ? "(pending)" : "")));
      if (!invoked) tr.className = "future";
      t.appendChild(tr);
    });
    document.getElementById("verdict").textContent = "Porcupine: " + D.verdict + (D.verdictDetail ? " — " + D.verdictDetail : "");
  }

  function go(s) {
    cur = Math.max(0, Math.min(N, s));
    document.getElementById("position").textContent = "step " + cur + " / " + N;
    document.getElementById("action").textContent = cur === 0 ? "initial state" : D.steps[cur - 1].text;
    rows.forEach((r, i) => r.setAttribute("class", "row" + (i === cur ? " current" : "")));
    byStep.forEach((els, i) => els.forEach((e) => e.classList.toggle("future", i > cur)));
    renderState(cur);
    renderInvariants(cur);
    renderHistory(cur);
  }

  document.getElementById("prev").addEventListener("click", () => go(cur - 1));
  document.getElementById("next").addEventListener("click", () => go(cur + 1));
  document.getElementById("first").addEventListener("click", () => go(0));
  document.getElementById("last").addEventListener("click", () => go(N));
  document.addEventListener("keydown", (e) => {
    if (e.key === "ArrowRight" || e.key === "ArrowDown") { go(cur + 1); e.preventDefault(); }
    if (e.key === "ArrowLeft" || e.key === "ArrowUp") { go(cur - 1); e.preventDefault(); }
    if (e.key === "Home") go(0);
    if (e.key === "End") go(N);
  });
  go(0);
})();
