"use strict";

// What the person has chosen so far, by image path: null to delete, or the class to move the image to. Kept here,
// not in the lists, so choices survive switching class, split or tab, until Apply.
const choices = new Map();
const pageSize = 100;
let info = null;
let kind = "loss";
let shown = pageSize;

async function api(path, options) {
  const response = await fetch(path, options);
  if (!response.ok) throw new Error(await describeError(response));
  return response.json();
}

async function load() {
  try {
    info = await api("/api/cleaner");
    document.title = `Kodiak cleaner: ${info.name}`;
    $("title").textContent = `Clean ${info.name}`;
    $("class").replaceChildren(...info.classes.map((c) => new Option(c, c)));
    if (!info.splitRecorded) {
      for (const input of document.querySelectorAll("input[name=split]")) input.disabled = input.value !== "all";
    }
    await show();
  } catch (e) {
    showError(errorText(e));
  }
}

function summarise() {
  $("summary").textContent = `${info.images} images in ${info.data}, scored by ${info.model}` +
    (info.splitRecorded ? "" : " (the model does not record its validation set: every split shows as unknown)");
}

function selectedSplit() {
  return document.querySelector("input[name=split]:checked").value;
}

function address() {
  if (kind === "loss") {
    return `/api/suspects/loss?class=${encodeURIComponent($("class").value)}&split=${selectedSplit()}&top=${shown}`;
  }
  return `/api/suspects/${kind}?top=${shown}`;
}

const descriptions = {
  loss: (total) => `${$("class").value}, ${selectedSplit()}: ${total} images, highest loss first.`,
  mislabeled: (total) => `${total} images the model confidently gives to another class, largest margin first.`,
  duplicates: (total) => `${total} pairs of near-identical images, most similar first.`,
  outliers: (total) => `${total} images, farthest from every class first.`,
};

async function show() {
  $("filters").hidden = kind !== "loss";
  $("list").setAttribute("aria-labelledby", `tab-${kind}`);
  $("list").setAttribute("aria-busy", "true");
  try {
    const list = await api(address());
    summarise();
    $("about").textContent = descriptions[kind](list.total) + (list.items.length < list.total ? ` Showing the first ${list.items.length}.` : "");
    $("list").className = kind === "duplicates" ? "items pairs" : "items";
    $("list").replaceChildren(...list.items.map((item) => row(item)));
    $("more").hidden = list.items.length >= list.total || list.items.length < shown;
  } catch (e) {
    showError(errorText(e));
  } finally {
    $("list").setAttribute("aria-busy", "false");
  }
}

function row(item) {
  const li = document.createElement("li");
  if (kind === "duplicates") {
    li.className = "pair";
    const tags = [`similarity ${item.similarity.toFixed(3)}`];
    if (item.acrossClasses) tags.push("different classes");
    if (item.acrossSplits) tags.push("train and valid");
    const header = document.createElement("p");
    header.append(...tags.map(tag));
    const twins = document.createElement("div");
    twins.className = "twins";
    twins.append(card(item.first), card(item.second));
    li.append(header, twins);
  } else if (kind === "mislabeled") {
    li.append(card(item.image, `Likely ${item.likely} (margin ${item.margin.toFixed(3)})`));
  } else if (kind === "outliers") {
    li.append(card(item.image, `Nearest class ${item.nearest}, distance ${item.distance.toFixed(3)}`));
  } else {
    li.append(card(item));
  }
  return li;
}

function tag(text) {
  const span = document.createElement("span");
  span.className = "tag";
  span.textContent = text;
  return span;
}

function card(image, note) {
  const div = document.createElement("div");
  div.className = "card";
  div.dataset.path = image.path;
  const img = document.createElement("img");
  img.src = `/api/image?path=${encodeURIComponent(image.path)}`;
  img.alt = image.path;
  img.loading = "lazy";
  const path = document.createElement("p");
  path.className = "path";
  path.textContent = image.path;
  const facts = document.createElement("dl");
  facts.className = "facts";
  for (const [name, value, wrong] of [
    ["Predicted", image.predicted, image.predicted !== image.label],
    ["Actual", image.label],
    ["Loss", image.loss.toFixed(3)],
    ["Probability", image.probability.toFixed(4)],
    ["Split", image.split],
  ]) {
    const dt = document.createElement("dt");
    dt.textContent = name;
    const dd = document.createElement("dd");
    dd.textContent = value;
    if (wrong) dd.className = "wrong";
    facts.append(dt, dd);
  }
  div.append(img, path, facts);
  if (note) {
    const p = document.createElement("p");
    p.className = "note";
    p.textContent = note;
    div.append(p);
  }
  div.append(chooser(image));
  mark(div, image.path);
  return div;
}

function chooser(image) {
  const select = document.createElement("select");
  select.setAttribute("aria-label", `What to do with ${image.path}`);
  select.append(new Option("Keep", "keep"), new Option("Delete", "delete"),
    ...info.classes.filter((c) => c !== image.label).map((c) => new Option(`Move to ${c}`, `class:${c}`)));
  select.value = value(image.path);
  select.addEventListener("change", () => choose(image.path, select.value));
  return select;
}

// The select's value for an image: keep, delete or class:NAME.
function value(path) {
  if (!choices.has(path)) return "keep";
  const label = choices.get(path);
  return label === null ? "delete" : `class:${label}`;
}

function choose(path, chosen) {
  if (chosen === "keep") choices.delete(path);
  else choices.set(path, chosen === "delete" ? null : chosen.slice("class:".length));
  // The same image can be on the page twice (in two duplicate pairs).
  for (const card of document.querySelectorAll(".card")) {
    if (card.dataset.path !== path) continue;
    card.querySelector("select").value = chosen;
    mark(card, path);
  }
  updatePending();
}

function mark(card, path) {
  card.classList.toggle("delete", choices.get(path) === null);
  card.classList.toggle("relabel", typeof choices.get(path) === "string");
}

function updatePending() {
  const deletes = [...choices.values()].filter((label) => label === null).length;
  const moves = choices.size - deletes;
  $("pending").textContent = choices.size === 0 ? "No pending changes"
    : `${choices.size} pending ${choices.size === 1 ? "change" : "changes"}: ${deletes} to delete, ${moves} to relabel`;
  $("apply").disabled = choices.size === 0;
}

async function change(path, body) {
  $("error").hidden = true;
  $("apply").disabled = $("undo").disabled = true;
  try {
    const result = await api(path, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) });
    return result.moves;
  } catch (e) {
    showError(errorText(e));
    return null;
  } finally {
    $("undo").disabled = false;
    updatePending();
  }
}

async function apply() {
  const changes = [...choices].map(([path, label]) => ({ path, newLabel: label }));
  const moves = await change("/api/apply", { changes });
  if (moves === null) return;
  choices.clear();
  updatePending();
  report(`Applied: ${moves.length} ${moves.length === 1 ? "file" : "files"} moved.`, moves);
  await refresh();
}

async function undo() {
  const moves = await change("/api/undo", {});
  if (moves === null) return;
  report(moves.length === 0 ? "Nothing to undo." : `Undone: ${moves.length} ${moves.length === 1 ? "file" : "files"} put back.`, moves);
  await refresh();
}

function report(title, moves) {
  $("changed-title").textContent = title;
  $("moves").replaceChildren(...moves.map((move) => {
    const li = document.createElement("li");
    li.textContent = `${move.action}: ${move.from} → ${move.to}`;
    return li;
  }));
  $("changed").hidden = false;
}

async function refresh() {
  info = await api("/api/cleaner");
  await show();
}

for (const tab of document.querySelectorAll("[role=tab]")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("[role=tab]")) other.setAttribute("aria-selected", String(other === tab));
    kind = tab.dataset.kind;
    shown = pageSize;
    show();
  });
}
for (const control of [$("class"), ...document.querySelectorAll("input[name=split]")]) {
  control.addEventListener("change", () => {
    shown = pageSize;
    show();
  });
}
$("more").addEventListener("click", () => {
  shown += pageSize;
  show();
});
$("apply").addEventListener("click", apply);
$("undo").addEventListener("click", undo);

load();
