"use strict";

let maxUploadBytes = Infinity;
let classNames = [];
let outOfDomainChecked = false;
// The model running in this page (a promise of onDevice.load's classifier), or null: images go to the server.
let device = null;
const deviceChoice = "kodiak.onDevice";

async function loadModel() {
  try {
    const response = await fetch("/api/model");
    if (!response.ok) throw new Error(await describeError(response));
    const model = await response.json();
    document.title = `Kodiak: ${model.name}`;
    $("title").textContent = `${model.name} classifier`;
    classNames = model.classes;
    $("classes").textContent = `Classes: ${model.classes.join(", ")}`;
    $("model-info").textContent = `${model.architecture}, ${model.input.width}×${model.input.height} px, version ${model.version}` +
      validationInWords(model.training) +
      (model.outOfDomain && model.outOfDomain.calibrated ? "" : ", no out-of-domain check");
    maxUploadBytes = model.limits.maxUploadBytes;
    outOfDomainChecked = Boolean(model.outOfDomain && model.outOfDomain.calibrated);
  } catch (e) {
    showError(`The model could not be loaded: ${e.message}`);
  }
}

// The validation error as a person reads it: "wrong on 21 of 186 validation images (11%)".
function validationInWords(training) {
  const errorRate = training.metrics.error_rate;
  if (errorRate === undefined) return "";
  const valid = Object.values(training.items.valid || {}).reduce((sum, n) => sum + n, 0);
  const percent = `${Math.round(errorRate * 100)}%`;
  return valid === 0 ? `, validation error ${percent}`
    : `, wrong on ${Math.round(errorRate * valid)} of ${valid} validation images (${percent})`;
}

async function classify(file) {
  $("error").hidden = true;
  if (!file) return;
  if (file.size > maxUploadBytes) {
    showError(`That file is ${(file.size / 1048576).toFixed(1)} MB; the limit is ${(maxUploadBytes / 1048576).toFixed(0)} MB.`);
    return;
  }
  const thumbnail = $("thumbnail");
  if (thumbnail.src) URL.revokeObjectURL(thumbnail.src);
  thumbnail.src = URL.createObjectURL(file);
  $("prediction").textContent = "Classifying…";
  $("bars").replaceChildren();
  $("timing").textContent = "";
  $("result").hidden = false;
  $("result").classList.add("busy");
  try {
    const here = device && await device.catch(() => null);
    if (here) {
      const result = await here.classify(file);
      show(result);
      $("timing").textContent = `On this device in ${result.elapsedMs.toFixed(1)} ms` +
        (outOfDomainChecked ? " (without the server's check for images unlike every class)" : "");
    } else {
      const form = new FormData();
      form.append("file", file);
      const response = await fetch("/api/predict", { method: "POST", body: form });
      if (!response.ok) throw new Error(await describeError(response));
      const result = await response.json();
      show(result);
      $("timing").textContent = `On the server in ${result.elapsedMs.toFixed(1)} ms`;
    }
  } catch (e) {
    $("result").hidden = true;
    showError(errorText(e));
  } finally {
    $("result").classList.remove("busy");
  }
}

function show(result) {
  const probability = result.probabilities[result.label];
  // A strange image gets no confident label: the model would still name a class, but it means little.
  const strange = result.outOfDomain === true;
  $("result").classList.toggle("out-of-domain", strange);
  $("prediction").textContent = strange
    ? `This image does not look like any of the classes this model knows (${classNames.join(", ")}), so it gets no label. ` +
      `The nearest class would be ${result.label}, but do not trust that.`
    : `Prediction: ${result.label}; Probability: ${probability.toFixed(4)}`;
  const sorted = Object.entries(result.probabilities).sort((a, b) => b[1] - a[1]);
  $("bars").replaceChildren(...sorted.map(([label, p]) => {
    const item = document.createElement("li");
    const text = document.createElement("div");
    text.className = "label";
    const name = document.createElement("span");
    name.textContent = label;
    const value = document.createElement("span");
    value.textContent = p.toFixed(4);
    text.append(name, value);
    const track = document.createElement("div");
    track.className = "track";
    const fill = document.createElement("div");
    fill.className = "fill";
    fill.style.width = `${(p * 100).toFixed(1)}%`;
    track.append(fill);
    item.append(text, track);
    return item;
  }));
}

// Loads the model into the page; on any failure says why and leaves the server to classify.
function useDevice(on) {
  localStorage.setItem(deviceChoice, on ? "yes" : "no");
  const status = $("on-device-status");
  if (!on) {
    device = null;
    status.textContent = "Images are sent to the server to be classified.";
    return;
  }
  status.textContent = "Loading the model into this page…";
  device = onDevice.load();
  device.then((here) => {
    status.textContent = `Ready: the ${here.variant} model (${here.megabytes.toFixed(1)} MB, ${here.cached ? "kept in this browser" : "downloaded"}) ` +
      `runs here with ONNX Runtime Web ${here.runtime}. Images are not uploaded, and it keeps working offline.`;
  }, (e) => {
    device = null;
    $("on-device").checked = false;
    status.textContent = `The model cannot run on this device (${errorText(e)}), so images are sent to the server.`;
  });
}

if (onDevice.supported()) {
  $("on-device").addEventListener("change", (event) => useDevice(event.target.checked));
  $("on-device").checked = localStorage.getItem(deviceChoice) === "yes";
  useDevice($("on-device").checked);
} else {
  $("on-device").disabled = true;
  $("on-device-status").textContent = "This browser cannot run WebAssembly, so images are sent to the server to be classified.";
}

for (const input of [$("file"), $("camera")]) {
  input.addEventListener("change", () => {
    classify(input.files[0]);
    input.value = "";
  });
}

const drop = $("drop");
drop.addEventListener("dragover", (event) => {
  event.preventDefault();
  drop.classList.add("over");
});
drop.addEventListener("dragleave", () => drop.classList.remove("over"));
drop.addEventListener("drop", (event) => {
  event.preventDefault();
  drop.classList.remove("over");
  classify(event.dataTransfer.files[0]);
});
document.addEventListener("paste", (event) => {
  const file = [...event.clipboardData.files].find((f) => f.type.startsWith("image/"));
  if (file) classify(file);
});

loadModel();
