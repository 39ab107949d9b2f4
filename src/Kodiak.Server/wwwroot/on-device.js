"use strict";
// "Run on this device": the served model in ONNX Runtime Web (WebAssembly), with the bundle's own preprocessing, so
// the image never leaves the browser. Loaded before app.js, which decides when to use it.

const onDevice = (() => {
  const runtimeUrl = "/ort/ort.wasm.bundle.min.mjs";
  const wasmUrl = "/ort/ort-wasm-simd-threaded.wasm";
  // The model's address names its SHA-256 and the runtime's is pinned by the build, so a cached copy is never stale.
  const cacheName = "kodiak-on-device";

  // Whether this browser can run the model at all.
  function supported() {
    return typeof WebAssembly === "object" && typeof WebAssembly.instantiate === "function";
  }

  // The bytes at url, from Cache Storage when kept there, else downloaded (and kept, for the next visit and offline).
  // Cache Storage exists only in secure contexts (https, or localhost): elsewhere the browser's HTTP cache has to do.
  async function cachedBytes(url, keep) {
    const cache = keep && self.caches ? await caches.open(cacheName) : null;
    const hit = cache ? await cache.match(url) : undefined;
    if (hit) return { bytes: await hit.arrayBuffer(), cached: true };
    const response = await fetch(url);
    if (!response.ok) throw new Error(await describeError(response));
    if (cache) {
      await cache.put(url, response.clone());
      // Older models are of no more use: keep only this one (and the runtime).
      for (const request of await cache.keys()) {
        const path = new URL(request.url).pathname;
        if (path.startsWith("/api/model/on-device/") && path !== url) await cache.delete(request);
      }
    }
    return { bytes: await response.arrayBuffer(), cached: false };
  }

  // Loads the runtime and the model the server names; resolves to a classifier for image files.
  async function load() {
    const response = await fetch("/api/model/on-device");
    if (!response.ok) throw new Error(await describeError(response));
    const model = await response.json();
    const steps = model.itemTransforms.map(transformStep);
    const ort = await import(runtimeUrl);
    const wasm = await cachedBytes(wasmUrl, true);
    ort.env.wasm.wasmBinary = wasm.bytes;
    // Threads need a cross-origin-isolated page; one thread is plenty for one image at a time.
    ort.env.wasm.numThreads = 1;
    const onnx = await cachedBytes(model.url, true);
    const session = await ort.InferenceSession.create(new Uint8Array(onnx.bytes), { executionProviders: ["wasm"] });
    const { width, height, name: inputName } = model.input;

    async function classify(file) {
      const started = performance.now();
      let image = await decode(file, model.maxImagePixels);
      for (const step of steps) image = step(image);
      if (image.width !== width || image.height !== height)
        throw new Error(`The image came out ${image.width}×${image.height} after the model's transforms, but the model takes ${width}×${height}.`);
      const input = new ort.Tensor("float32", chwFloats(image), [1, 3, height, width]);
      const outputs = await session.run({ [inputName]: input }, ["probabilities"]);
      const p = outputs.probabilities.data;
      let best = 0;
      for (let i = 1; i < p.length; i++) if (p[i] > p[best]) best = i;
      const probabilities = Object.fromEntries(model.classes.map((c, i) => [c, p[i]]));
      return { label: model.classes[best], index: best, probabilities, elapsedMs: performance.now() - started };
    }

    return {
      classify,
      variant: model.variant,
      megabytes: onnx.bytes.byteLength / 1048576,
      cached: onnx.cached,
      runtime: ort.env.versions && ort.env.versions.web,
    };
  }

  // Decodes as the server does: EXIF orientation applied, colours in sRGB, transparency flattened onto white.
  async function decode(file, maxPixels) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(file, { imageOrientation: "from-image", premultiplyAlpha: "none", colorSpaceConversion: "default" });
    } catch {
      throw new Error("Cannot decode image: this browser cannot read it as an image.");
    }
    const { width, height } = bitmap;
    if (width * height > maxPixels) {
      bitmap.close();
      throw new Error(`Cannot decode image: ${width}×${height} pixels exceeds the limit of ${maxPixels / 1e6} megapixels.`);
    }
    const canvas = new OffscreenCanvas(width, height);
    const context = canvas.getContext("2d", { willReadFrequently: true });
    context.fillStyle = "#fff";
    context.fillRect(0, 0, width, height);
    context.drawImage(bitmap, 0, 0);
    bitmap.close();
    const rgba = context.getImageData(0, 0, width, height).data;
    const pixels = new Uint8Array(width * height * 3);
    for (let i = 0, j = 0; i < rgba.length; i += 4, j += 3) {
      pixels[j] = rgba[i];
      pixels[j + 1] = rgba[i + 1];
      pixels[j + 2] = rgba[i + 2];
    }
    return { width, height, pixels };
  }

  // One of the bundle's validation item transforms (Kodiak.Vision.Transforms), as a function of an image.
  function transformStep(json) {
    switch (json.transform) {
      case "Resize":
        return (image) => resizeTransform(image, json.width, json.height, json.method, json.padMode);
      case "RandomResizedCrop": {
        // Validation: the whole image squished to about 14 % more than the crop (a multiple of 8 more), then the centre.
        const size = json.size;
        const validationSize = size + Math.ceil(size * 0.14 / 8) * 8;
        const margin = Math.floor((validationSize - size) / 2);
        return (image) => crop(resize(image, validationSize, validationSize), margin, margin, size, size);
      }
      default:
        throw new Error(`this model prepares images with a transform the page does not know (${json.transform})`);
    }
  }

  function resizeTransform(image, width, height, method, padMode) {
    if (method === "Squish") return resize(image, width, height);
    if (method === "Pad") {
      const [fitWidth, fitHeight] = aspectSize(image.width, image.height, width, height, false);
      return pad(resize(image, fitWidth, fitHeight), width, height, Math.floor((width - fitWidth) / 2), Math.floor((height - fitHeight) / 2), padMode);
    }
    // Crop: the largest centred box of the target's shape, then resampled.
    const [boxWidth, boxHeight] = aspectSize(width, height, image.width, image.height, false);
    const x = Math.floor((image.width - boxWidth) / 2), y = Math.floor((image.height - boxHeight) / 2);
    return resize(crop(image, x, y, boxWidth, boxHeight), width, height);
  }

  // ImageOps.AspectSize: the size of width × height's shape that fits inside (or just covers) the box, rounded up.
  function aspectSize(width, height, boxWidth, boxHeight, cover) {
    const widthBound = (boxWidth * height >= boxHeight * width) === cover;
    return widthBound
      ? [boxWidth, Math.floor((height * boxWidth + width - 1) / width)]
      : [Math.floor((width * boxHeight + height - 1) / height), boxHeight];
  }

  function crop(image, x, y, width, height) {
    const pixels = new Uint8Array(width * height * 3);
    for (let row = 0; row < height; row++) {
      const from = ((y + row) * image.width + x) * 3;
      pixels.set(image.pixels.subarray(from, from + width * 3), row * width * 3);
    }
    return { width, height, pixels };
  }

  // ImageOps.Pad: the image at (left, top) on a width × height canvas, the rest black, mirrored or the edge repeated.
  function pad(image, width, height, left, top, mode) {
    const indices = (length, offset, size) => Array.from({ length }, (_, i) => {
      const source = i - offset;
      if (source >= 0 && source < size) return source;
      if (mode === "Zeros") return -1;
      if (mode === "Border") return Math.min(Math.max(source, 0), size - 1);
      if (size === 1) return 0;
      const period = 2 * (size - 1);
      const folded = ((source % period) + period) % period;
      return folded < size ? folded : period - folded;
    });
    const columns = indices(width, left, image.width), rows = indices(height, top, image.height);
    const pixels = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      if (rows[y] < 0) continue;
      for (let x = 0; x < width; x++) {
        if (columns[x] < 0) continue;
        const from = (rows[y] * image.width + columns[x]) * 3, to = (y * width + x) * 3;
        pixels[to] = image.pixels[from];
        pixels[to + 1] = image.pixels[from + 1];
        pixels[to + 2] = image.pixels[from + 2];
      }
    }
    return { width, height, pixels };
  }

  // Pillow's bilinear resize in its 22-bit fixed point, as Kodiak.Vision's BilinearResampler (and fastai) does:
  // a canvas would resample differently, and the model was trained on these pixels.
  const precisionBits = 32 - 8 - 2;

  function resize(image, width, height) {
    let { pixels } = image;
    let w = image.width;
    const h = image.height;
    if (width !== w) {
      pixels = pass(pixels, w, width, h * 3, (line) => Math.floor(line / 3) * w * 3 + line % 3, (line) => Math.floor(line / 3) * width * 3 + line % 3, 3, 3, width * h * 3);
      w = width;
    }
    if (height !== h) {
      const rowBytes = w * 3;
      pixels = pass(pixels, h, height, rowBytes, (line) => line, (line) => line, rowBytes, rowBytes, rowBytes * height);
    }
    return { width, height, pixels };
  }

  function pass(input, inSize, outSize, lines, inBase, outBase, step, outStep, outLength) {
    const { starts, counts, weights, kernelSize } = coefficients(inSize, outSize);
    const output = new Uint8Array(outLength);
    for (let line = 0; line < lines; line++) {
      const from = inBase(line), to = outBase(line);
      for (let o = 0; o < outSize; o++) {
        let sum = 1 << (precisionBits - 1);
        const first = from + starts[o] * step, k = o * kernelSize;
        for (let t = 0; t < counts[o]; t++) sum += input[first + t * step] * weights[k + t];
        output[to + o * outStep] = sum <= 0 ? 0 : sum >> precisionBits >= 255 ? 255 : sum >> precisionBits;
      }
    }
    return output;
  }

  function coefficients(inSize, outSize) {
    const scale = inSize / outSize;
    const filterScale = Math.max(scale, 1);
    const support = filterScale;
    const kernelSize = Math.ceil(support) * 2 + 1;
    const starts = new Int32Array(outSize), counts = new Int32Array(outSize), weights = new Int32Array(outSize * kernelSize);
    const kernel = new Float64Array(kernelSize);
    for (let o = 0; o < outSize; o++) {
      const centre = (o + 0.5) * scale;
      const min = Math.max(Math.trunc(centre - support + 0.5), 0);
      const count = Math.min(Math.trunc(centre + support + 0.5), inSize) - min;
      let total = 0;
      for (let t = 0; t < count; t++) {
        const x = Math.abs((t + min - centre + 0.5) / filterScale);
        kernel[t] = x < 1 ? 1 - x : 0;
        total += kernel[t];
      }
      for (let t = 0; t < count; t++) {
        const normalised = total === 0 ? kernel[t] : kernel[t] / total;
        weights[o * kernelSize + t] = Math.trunc(normalised < 0 ? -0.5 + normalised * (1 << precisionBits) : 0.5 + normalised * (1 << precisionBits));
      }
      starts[o] = min;
      counts[o] = count;
    }
    return { starts, counts, weights, kernelSize };
  }

  // RgbImage.ToChwFloats: planar red, green, blue, each byte / 255.
  function chwFloats(image) {
    const plane = image.width * image.height;
    const floats = new Float32Array(3 * plane);
    for (let i = 0; i < plane; i++) {
      floats[i] = image.pixels[i * 3] / 255;
      floats[plane + i] = image.pixels[i * 3 + 1] / 255;
      floats[2 * plane + i] = image.pixels[i * 3 + 2] / 255;
    }
    return floats;
  }

  return { supported, load };
})();
