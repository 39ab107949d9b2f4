"use strict";

// The monitor page: fetches /api/monitor and draws its report as SVG (no chart library, so it works offline).
(() => {
  const SVG = "http://www.w3.org/2000/svg";
  const COLOURS = ["#c97a2e", "#2e6fc9", "#3b9a57", "#9a3b8f", "#c9b52e", "#2eb3c9", "#7a5230", "#8f8f8f", "#d4506b", "#5a48b0"];
  const KINDS = { ShareUp: "Share up", ShareDown: "Share down", OutOfDomainRate: "Out of domain", LowConfidence: "Low confidence" };
  const $ = id => document.getElementById(id);
  let since = new URLSearchParams(location.search).get("since") || "24h";

  const percent = v => v == null ? "–" : `${(v * 100).toFixed(1)}%`;
  const number = v => v == null ? "–" : v.toLocaleString("en");
  const ms = v => v == null ? "–" : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
  const when = t => new Date(t).toISOString().slice(0, 16).replace("T", " ") + " UTC";

  function el(tag, attributes = {}, text) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
    if (text != null) e.textContent = text;
    return e;
  }

  function html(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Charts are drawn at their container's width, so that their text keeps its size on a phone. */
  let chartWidth = 640;

  function svg(width, height, label) {
    return el("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": label });
  }

  /** Stacked bars of predictions per class per bucket, with a dashed line where each alarm started. */
  function stacked(buckets, classes, colour, alarms, label) {
    const W = chartWidth, H = 220, left = 44, bottom = 22, top = 8;
    const box = svg(W, H, label);
    const max = Math.max(1, ...buckets.map(b => b.count));
    const plotW = W - left - 6, plotH = H - bottom - top;
    const step = buckets.length ? plotW / buckets.length : plotW;
    box.append(el("line", { class: "axis", x1: left, y1: top + plotH, x2: W - 6, y2: top + plotH }));
    box.append(el("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, number(max)));
    box.append(el("text", { x: left - 6, y: top + plotH, "text-anchor": "end" }, "0"));
    buckets.forEach((b, i) => {
      let y = top + plotH;
      for (const c of classes) {
        const n = b.perClass[c] || 0;
        if (!n) continue;
        const h = n / max * plotH;
        y -= h;
        const bar = el("rect", { x: left + i * step, y, width: Math.max(step - 1, 0.5), height: h, fill: colour(c) });
        bar.append(el("title", {}, `${when(b.start)}: ${c} ${n}`));
        box.append(bar);
      }
    });
    if (buckets.length) {
      box.append(el("text", { x: left, y: H - 6 }, when(buckets[0].start)));
      box.append(el("text", { x: W - 6, y: H - 6, "text-anchor": "end" }, when(buckets[buckets.length - 1].start)));
    }
    markAlarms(box, buckets, alarms, left, step, top, plotH);
    return box;
  }

  function markAlarms(box, buckets, alarms, left, step, top, plotH) {
    if (!buckets.length) return;
    const first = Date.parse(buckets[0].start);
    const size = buckets.length > 1 ? Date.parse(buckets[1].start) - first : 3600e3;
    for (const a of alarms) {
      const x = left + (Date.parse(a.started) - first) / size * step;
      if (x < left || x > left + buckets.length * step) continue;
      const line = el("line", { class: "alarm-line", x1: x, y1: top, x2: x, y2: top + plotH });
      line.append(el("title", {}, a.message));
      box.append(line);
    }
  }

  /** Lines over buckets: each series is [name, colour, value of a bucket or null, the top of the scale]. */
  function lines(buckets, series, alarms, label, format) {
    const W = chartWidth, H = 220, left = 52, bottom = 22, top = 26;
    const box = svg(W, H, label);
    const plotW = W - left - 6, plotH = H - bottom - top;
    const step = buckets.length ? plotW / buckets.length : plotW;
    // Measured values get a tenth of headroom, so that the highest does not run along the top.
    const max = Math.max(...series.map(s => s.max ?? 1.1 * Math.max(0, ...buckets.map(s.value).filter(v => v != null))), 1e-9);
    box.append(el("line", { class: "axis", x1: left, y1: top + plotH, x2: W - 6, y2: top + plotH }));
    box.append(el("text", { x: left - 6, y: top + 10, "text-anchor": "end" }, format(max)));
    box.append(el("text", { x: left - 6, y: top + plotH, "text-anchor": "end" }, format(0)));
    series.forEach((s, k) => {
      // An empty bucket lifts the pen: a gap, not a line through a value that was never measured.
      let d = "", pen = false;
      buckets.forEach((b, i) => {
        const v = s.value(b);
        if (v == null) { pen = false; return; }
        const x = left + (i + 0.5) * step, y = top + plotH - v / max * plotH;
        d += `${pen ? "L" : "M"}${x.toFixed(1)},${y.toFixed(1)}`;
        pen = true;
      });
      if (d) box.append(el("path", { d, fill: "none", stroke: s.colour, "stroke-width": 2 }));
      box.append(el("rect", { x: left + k * 150, y: 4, width: 10, height: 10, fill: s.colour }));
      box.append(el("text", { x: left + 14 + k * 150, y: 13 }, s.name));
    });
    markAlarms(box, buckets, alarms, left, step, top, plotH);
    return box;
  }

  /** Horizontal bars: each class's share, with its baseline share as a dark tick. */
  function shares(classes, colour) {
    const W = chartWidth, row = 26, left = 110, H = classes.length * row + 8;
    const box = svg(W, H, "Share of each class against the baseline");
    const max = Math.max(0.01, ...classes.map(c => Math.max(c.share, c.baselineShare ?? 0)));
    const plotW = W - left - 60;
    classes.forEach((c, i) => {
      const y = 4 + i * row;
      box.append(el("text", { x: left - 8, y: y + 15, "text-anchor": "end" }, c.class));
      const bar = el("rect", { x: left, y: y + 3, width: c.share / max * plotW, height: row - 10, fill: colour(c.class) });
      bar.append(el("title", {}, `${c.class}: ${percent(c.share)} (baseline ${percent(c.baselineShare)})`));
      box.append(bar);
      if (c.baselineShare != null) {
        const x = left + c.baselineShare / max * plotW;
        box.append(el("line", { x1: x, y1: y, x2: x, y2: y + row - 4, stroke: "#1d232a", "stroke-width": 3 }));
      }
      box.append(el("text", { x: left + c.share / max * plotW + 6, y: y + 15 }, percent(c.share)));
    });
    return box;
  }

  function tile(name, value) {
    const t = html("div", "tile");
    t.append(html("span", "value", value), html("span", "name", name));
    return t;
  }

  let shown = null;

  function render(report, again = true) {
    shown = report;
    chartWidth = Math.max(280, Math.round($("hours-chart").clientWidth || 640));
    const classes = report.classes.map(c => c.class);
    const colour = c => COLOURS[classes.indexOf(c) % COLOURS.length];
    $("status").textContent = `${number(report.total)} predictions${report.model ? ` of ${report.model}` : ""} from ${when(report.start)} to ${when(report.end)}`;

    const alarms = $("alarms");
    alarms.replaceChildren(...report.alarms.map(a => {
      const li = html("li", "alarm");
      li.dataset.kind = a.kind;
      li.append(html("span", "kind", KINDS[a.kind] || a.kind), document.createTextNode(a.message),
        html("span", "when", `Started ${when(a.started)}${a.ended ? `, ended ${when(a.ended)}` : ", still on"} · judged on ${number(a.count)} predictions`));
      return li;
    }));
    $("no-alarms").hidden = report.alarms.length > 0;

    $("tiles").replaceChildren(
      tile("predictions", number(report.total)),
      tile("requests/s", report.requestsPerSecond.toFixed(report.requestsPerSecond < 1 ? 4 : 1)),
      tile("out of domain", percent(report.outOfDomainRate)),
      tile("mean confidence", percent(report.meanConfidence)),
      tile("latency p50", ms(report.latencyP50Ms)),
      tile("latency p95", ms(report.latencyP95Ms)));
    $("messages").replaceChildren(...report.messages.map(m => html("li", null, m)));

    $("hours-chart").replaceChildren(stacked(report.hours.buckets, classes, colour, report.alarms, "Predictions per class, by hour"));
    $("days-chart").replaceChildren(stacked(report.days.buckets, classes, colour, [], "Predictions per class, by day"));
    $("baseline").textContent = report.baseline ? `Baseline (dark tick): ${report.baseline.description}` : "No baseline: shares raise no alarm.";
    $("shares-chart").replaceChildren(shares(report.classes, colour));
    const quality = report.alarms.filter(a => a.kind === "OutOfDomainRate" || a.kind === "LowConfidence");
    $("quality-chart").replaceChildren(lines(report.hours.buckets, [
      { name: "out of domain", colour: "#b3261e", value: b => b.outOfDomainRate, max: 1 },
      { name: "mean confidence", colour: "#2e6fc9", value: b => b.meanConfidence, max: 1 },
    ], quality, "Out-of-domain rate and mean confidence", percent));
    $("latency-chart").replaceChildren(lines(report.hours.buckets, [
      { name: "p50", colour: "#3b9a57", value: b => b.latencyP50Ms },
      { name: "p95", colour: "#9a3b8f", value: b => b.latencyP95Ms },
    ], [], "Latency", ms));
    $("legend").replaceChildren(...classes.map(c => {
      const li = html("li", null);
      const swatch = html("span", "swatch");
      swatch.style.background = colour(c);
      li.append(swatch, document.createTextNode(c));
      return li;
    }));
    $("report").hidden = false;
    // The first drawing sizes the charts' containers; draw again at their real width.
    const width = Math.max(280, Math.round($("hours-chart").clientWidth));
    if (again && width !== chartWidth) render(report, false);
  }

  async function load() {
    for (const b of document.querySelectorAll("#ranges button")) b.setAttribute("aria-pressed", String(b.dataset.since === since));
    $("error").hidden = true;
    try {
      const answer = await fetch(`/api/monitor?since=${encodeURIComponent(since)}`, { headers: { Accept: "application/json" } });
      const body = await answer.json();
      if (!answer.ok) throw new Error(body.detail || body.title || `The server answered ${answer.status}.`);
      render(body);
    } catch (e) {
      $("report").hidden = true;
      $("status").textContent = "";
      $("error").textContent = e.message;
      $("error").hidden = false;
    }
  }

  for (const b of document.querySelectorAll("#ranges button")) {
    b.addEventListener("click", () => {
      since = b.dataset.since;
      history.replaceState(null, "", `?since=${since}`);
      load();
    });
  }

  addEventListener("resize", () => { if (shown && !$("report").hidden) render(shown); });
  load();
  setInterval(load, 60000);
})();
