"use strict";

// The review page: each pending item of /api/review with the model's answer; a person confirms it, corrects it or says none of these.
(() => {
  const $ = id => document.getElementById(id);
  const percent = v => `${(v * 100).toFixed(1)}%`;
  const REASONS = { "out-of-domain": "out of domain", "low-confidence": "low confidence", sample: "random sample" };
  const reviewer = $("reviewer");
  reviewer.value = localStorage.getItem("kodiak-reviewer") || "";
  reviewer.addEventListener("change", () => localStorage.setItem("kodiak-reviewer", reviewer.value.trim()));

  function html(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text != null) e.textContent = text;
    return e;
  }

  function showError(message) {
    $("error").textContent = message;
    $("error").hidden = !message;
  }

  async function review(item, card, body) {
    showError("");
    const answer = await fetch(`/api/review/${item.id}`, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      body: JSON.stringify({ ...body, reviewer: reviewer.value.trim() || null }),
    });
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      showError(problem.detail || `The review was not stored (${answer.status}).`);
      if (answer.status !== 409 && answer.status !== 404) return;
    }
    const stored = answer.ok ? await answer.json() : null;
    card.querySelector(".actions").replaceWith(html("p", "done",
      stored ? (stored.status === "none-of-these" ? "Stored: none of these." : `Stored: ${stored.status}, ${stored.label}.`) : "Taken already."));
    remaining--;
    status();
  }

  function card(item) {
    const li = html("li", "item");
    li.dataset.id = item.id;
    const image = html("img");
    image.src = item.image;
    image.alt = `The image of request ${item.requestId}`;
    li.append(image);
    const answer = html("p", "answer", "The model says ");
    answer.append(html("strong", null, item.label), ` (${percent(item.probabilities[item.label])})`);
    li.append(answer);
    const reasons = html("ul", "reasons");
    for (const reason of item.reasons) reasons.append(html("li", null, REASONS[reason] || reason));
    li.append(reasons);
    li.append(html("p", "muted", `${item.model} · ${new Date(item.time).toISOString().slice(0, 16).replace("T", " ")} UTC`));

    const actions = html("div", "actions");
    const confirm = html("button", "confirm", `Right: ${item.label}`);
    confirm.type = "button";
    confirm.addEventListener("click", () => review(item, li, { status: "confirmed" }));
    const others = Object.keys(item.probabilities).filter(c => c !== item.label)
      .sort((a, b) => item.probabilities[b] - item.probabilities[a]);
    const correct = html("select", "correct");
    correct.setAttribute("aria-label", "The right class");
    correct.append(new Option("It is…", ""));
    for (const c of others) correct.append(new Option(`${c} (${percent(item.probabilities[c])})`, c));
    correct.addEventListener("change", () => correct.value && review(item, li, { status: "corrected", label: correct.value }));
    const none = html("button", "none", "None of these");
    none.type = "button";
    none.addEventListener("click", () => review(item, li, { status: "none-of-these" }));
    actions.append(confirm, correct, none);
    li.append(actions);
    return li;
  }

  let remaining = 0;

  function status() {
    $("status").textContent = `${remaining} item${remaining === 1 ? "" : "s"} waiting for review.`;
    $("empty").hidden = remaining > 0;
  }

  async function load() {
    const answer = await fetch("/api/review?take=50", { headers: { Accept: "application/json" } });
    if (!answer.ok) {
      const problem = await answer.json().catch(() => ({}));
      $("status").textContent = "";
      showError(problem.detail || `The queue cannot be read (${answer.status}).`);
      return;
    }
    const page = await answer.json();
    remaining = page.pending;
    $("items").replaceChildren(...page.items.map(card));
    status();
  }

  load();
})();
