"use strict";

// The rollout page: /api/rollout's comparison of the primary with its candidate, and the promote and roll-back buttons.
(() => {
  const $ = id => document.getElementById(id);
  const percent = v => v == null ? "–" : `${(v * 100).toFixed(1)}%`;
  const number = v => v == null ? "–" : v.toLocaleString("en");
  const ms = v => v == null ? "–" : `${v.toFixed(v < 10 ? 1 : 0)} ms`;
  const ROLES = { primary: "primary: answers", shadow: "shadow: predicts every request, answers none", canary: "canary: answers its share", previous: "previous primary: a roll-back returns to it" };

  function html(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = text;
    return e;
  }

  function say(error, done) {
    $("error").textContent = error || "";
    $("error").hidden = !error;
    $("done").textContent = done || "";
    $("done").hidden = !done;
  }

  function accuracy(r) {
    if (!r || r.reviewed === 0) return "no reviewed request yet";
    return `${percent(r.accuracy)} (${number(r.correct)} of ${number(r.reviewed)}; 95% interval ${percent(r.low)}–${percent(r.high)})`;
  }

  function share(canary) {
    if (!canary) return null;
    const sources = canary.sources ? ` of ${canary.sources.join(", ")}` : " of the sources";
    return `${canary.percent}%${sources}`;
  }

  function model(box, stats, canary) {
    if (!stats) {
      box.replaceChildren(html("h2", null, "No candidate"),
        html("p", "muted", "Load one: kodiak rollout load URL CANDIDATE.kodiak --shadow (or --canary-percent N)."));
      return;
    }
    const role = html("span", `role ${stats.role}`, ROLES[stats.role] || stats.role);
    const rows = [
      ["predictions", number(stats.count)],
      ["answers", stats.role === "canary" ? share(canary) : null],
      ["reviewed accuracy", accuracy(stats.reviewed)],
      ["out of domain", percent(stats.outOfDomainRate)],
      ["mean confidence", percent(stats.meanConfidence)],
      ["latency p50 / p95", `${ms(stats.latencyP50Ms)} / ${ms(stats.latencyP95Ms)}`],
    ].filter(r => r[1] != null);
    const list = html("dl");
    for (const [name, value] of rows) list.append(html("dt", null, name), html("dd", null, value));
    box.replaceChildren(html("h2", null, `${stats.name}@${stats.version}`), role, list);
  }

  function tile(name, value) {
    const t = html("div", "tile");
    t.append(html("span", "value", value), html("span", "name", name));
    return t;
  }

  function confusion(pairs) {
    const rows = [...new Set(pairs.map(p => p.primary))].sort();
    const columns = [...new Set(pairs.map(p => p.candidate))].sort();
    const count = new Map(pairs.map(p => [`${p.primary}\u0000${p.candidate}`, p.count]));
    const head = html("tr");
    head.append(html("th", null, "primary ↓ candidate →"), ...columns.map(c => html("th", null, c)));
    const body = rows.map(r => {
      const tr = html("tr");
      tr.append(html("th", null, r));
      for (const c of columns) {
        const n = count.get(`${r}\u0000${c}`) || 0;
        tr.append(html("td", n === 0 ? null : (r === c ? "same" : "differ"), number(n)));
      }
      return tr;
    });
    $("confusion").replaceChildren(head, ...body);
    $("confusion-section").hidden = pairs.length === 0;
  }

  function render(report) {
    model($("primary"), report.primary, null);
    model($("candidate"), report.candidate, report.canary);
    $("tiles").replaceChildren(
      tile("requests both predicted", number(report.compared)),
      tile("agreement", percent(report.agreement)),
      tile("reviewed of them", number(report.primary.reviewed.reviewed)));
    $("note").textContent = report.note || "";
    $("note").hidden = !report.note;
    confusion(report.confusion);
    $("status").textContent = `The last ${number(report.window)} predictions at most, kept in memory · updated ${new Date().toLocaleTimeString("en-GB")}`;
    $("report").hidden = false;
  }

  async function problem(answer) {
    const body = await answer.json().catch(() => ({}));
    return body.detail || body.title || `${answer.status} ${answer.statusText}`;
  }

  async function load() {
    try {
      const answer = await fetch("/api/rollout", { headers: { Accept: "application/json" } });
      if (!answer.ok) {
        $("status").textContent = "";
        say(`The comparison cannot be read: ${await problem(answer)}`);
        return;
      }
      render(await answer.json());
    } catch {
      say("The server cannot be reached.");
    }
  }

  async function change(action, button) {
    say("");
    button.disabled = true;
    try {
      const answer = await fetch(`/api/admin/${action}`, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: "{}",
      });
      if (!answer.ok) {
        say(`${action === "promote" ? "Promote" : "Roll back"} refused: ${await problem(answer)}`);
        return;
      }
      const status = await answer.json();
      say("", `${action === "promote" ? "Promoted" : "Rolled back"}: ${status.primary.name}@${status.primary.version} answers now.`);
      await load();
    } catch {
      say("The server cannot be reached.");
    } finally {
      button.disabled = false;
    }
  }

  $("promote").addEventListener("click", e => change("promote", e.currentTarget));
  $("rollback").addEventListener("click", e => change("rollback", e.currentTarget));
  load();
  setInterval(load, 5000);
})();
