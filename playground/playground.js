// The playground page: deltagrad's Python (playground.py) run by Pyodide, its drawing laid
// out ONCE per trace by Graphviz compiled to WebAssembly (viz.js) in a worker, with the CLI's
// time limit; each step only restyles it. Everything is loaded from this folder; the page
// never asks another host for anything.
//
// The whole state lives in the URL fragment, so a link reproduces it:
//   #expr=<url-encoded expression>&x1=2&w1=-3...&step=N
// The first "expr" is the expression and a final "step" the step, counted from 1 as the
// page's counter (the page always writes one); every other pair is a variable's value, so
// variables called expr or step work too.

import { loadPyodide } from "./pyodide/pyodide.mjs";

const PRESETS = [
  { title: "A tanh neuron (the README's trace example)",
    expr: "tanh(w1*x1 + w2*x2 + b)",
    values: [["x1", "2"], ["x2", "0"], ["w1", "-3"], ["w2", "1"], ["b", "6.88"]] },
  { title: "A 2-2-1 network with the loss ½(y − t)²",
    expr: "0.5*(v1*tanh(w11*x1 + w12*x2 + b1) + v2*tanh(w21*x1 + w22*x2 + b2) + c - t)**2",
    values: [["x1", "1"], ["x2", "-2"], ["w11", "0.5"], ["w12", "-0.3"], ["b1", "0.1"],
             ["w21", "-0.8"], ["w22", "0.2"], ["b2", "0"], ["v1", "1.2"], ["v2", "-0.7"],
             ["c", "0.05"], ["t", "1"]] },
  { title: "Softmax + cross-entropy, 3 classes, target class 2 (∂E/∂z_k = y_k − t_k)",
    expr: "-log(exp(z2) / (exp(z1) + exp(z2) + exp(z3)))",
    values: [["z1", "1"], ["z2", "2"], ["z3", "0.5"]] },
  { title: "A shared input: x feeds three nodes, so δ[x] is a sum of three terms",
    expr: "x*exp(w*x) + log(x)",
    values: [["x", "0.5"], ["w", "2"]] },
  { title: "Train: a 2-8-8-1 network learns the moons (nn.fit, watched live)", train: true },
];

const $ = (id) => document.getElementById(id);
const state = { expr: "", values: [], step: 0, trace: null, memory: new Map() };
let glue = null;  // the Python module playground.py

// ---------------------------------------------------------------------------
// The URL fragment
// ---------------------------------------------------------------------------
function readFragment() {
  const pairs = [];
  for (const part of location.hash.replace(/^#/, "").split("&")) {
    if (!part) continue;
    const at = part.indexOf("=");
    const key = decode(at < 0 ? part : part.slice(0, at));
    const value = at < 0 ? "" : decode(part.slice(at + 1));
    pairs.push([key, value]);
  }
  const at = pairs.findIndex(([k]) => k === "expr");
  if (at < 0) return null;
  const expr = pairs.splice(at, 1)[0][1];
  let step = 0;
  const last = pairs[pairs.length - 1];
  if (last && last[0] === "step" && /^\d+$/.test(last[1])) step = Math.max(0, Number(pairs.pop()[1]) - 1);
  return { expr, values: pairs, step };
}

function decode(text) {
  try { return decodeURIComponent(text); } catch { return text; }  // a stray % stays as typed
}

function fragment() {
  const enc = (s) => encodeURIComponent(s).replace(/%2C/g, ",").replace(/%3A/g, ":");
  const parts = ["expr=" + enc(state.expr)];
  for (const [name, value] of state.values) parts.push(enc(name) + "=" + enc(value));
  parts.push("step=" + (state.step + 1));
  return "#" + parts.join("&");
}

function writeFragment() {
  history.replaceState(null, "", fragment());
  $("link").value = location.href;
}

// ---------------------------------------------------------------------------
// The drawing: laid out once per trace in a worker, stopped after the CLI's time limit
// ---------------------------------------------------------------------------
const layout = { worker: null, ready: null, version: "", pending: new Map(), next: 1, generation: 0 };

function startLayoutWorker() {
  layout.worker = new Worker(new URL("layout-worker.js", import.meta.url), { type: "module" });
  layout.ready = new Promise((resolve, reject) => {
    layout.worker.onmessage = (event) => {
      const m = event.data;
      if ("ready" in m) { if (m.ready) { layout.version = m.version; resolve(); } else reject(new Error(m.error)); return; }
      const done = layout.pending.get(m.id);
      if (done) { layout.pending.delete(m.id); done(m); }
    };
  });
  return layout.ready;
}

function layOut(dot, seconds) {
  const id = layout.next++;
  document.body.dataset.layouts = String(id);  // how many layouts the page has asked for (tests)
  return new Promise((resolve) => {
    const timer = setTimeout(() => {  // too long: end the worker (and the layout), start a fresh one
      layout.pending.delete(id);
      layout.worker.terminate();
      startLayoutWorker();
      resolve({ timeout: true });
    }, seconds * 1000);
    layout.pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
    layout.worker.postMessage({ id, dot });
  });
}

async function drawTrace() {
  const generation = ++layout.generation;  // a newer trace makes this drawing moot
  state.drawing = null;
  $("graph").replaceChildren();
  $("graph").dataset.state = "laying-out";
  const { dot, timeout } = JSON.parse(glue.drawing_json());
  const seconds = window.PLAYGROUND_LAYOUT_TIMEOUT || timeout;  // the CLI's limit (a test may lower it)
  await layout.ready;
  const result = await layOut(dot, seconds);
  if (generation !== layout.generation) return;
  if (result.timeout || result.error) {
    $("graph-note").hidden = false;
    $("graph-note").textContent = result.timeout ? glue.timeout_message(seconds)
      : "This graph could not be drawn: " + result.error;
    $("graph").dataset.state = "failed";
    return;
  }
  const d = JSON.parse(glue.frames_json(result.svg));
  const style = document.createElement("style");
  style.textContent = d.css;
  $("graph").innerHTML = d.svg;  // Graphviz's SVG of deltagrad's DOT: labels escaped by draw()
  const svg = $("graph").querySelector("svg");
  if (svg) svg.setAttribute("role", "img");
  $("graph").prepend(style);
  const byId = (id) => $("graph").querySelector(`[id="${CSS.escape(id)}"]`);
  const texts = [...$("graph").querySelectorAll("text.dg-delta")];
  for (const t of texts) t.dataset.v = t.textContent;
  state.drawing = { ...d, byId, texts };
  restyle();
  $("graph").dataset.state = "drawn";
}

// Step i on the drawing: nodes not reached yet grey with δ "?", the current one and the edges
// of its terms red. Classes and texts only: nothing is laid out again.
function restyle() {
  const d = state.drawing;
  if (!d) return;
  const i = state.step;
  for (const [id, r] of Object.entries(d.rank)) d.byId(id)?.classList.toggle("dg-pending", r > i);
  for (const t of d.texts) {
    const owner = t.closest("g.node, g.edge");
    t.textContent = owner && owner.classList.contains("dg-pending") ? t.dataset.v.replace(/\S+$/, "?") : t.dataset.v;
  }
  for (const el of $("graph").querySelectorAll(".dg-current, .dg-term")) el.classList.remove("dg-current", "dg-term");
  for (const id of d.frames[i].current) d.byId(id)?.classList.add("dg-current");
  for (const id of d.frames[i].terms) d.byId(id)?.classList.add("dg-term");
}

// ---------------------------------------------------------------------------
// Tracing: the CLI's report or its one-line error, the steps, the drawing
// ---------------------------------------------------------------------------
// A Python exception reaching JavaScript carries its whole traceback: the page shows
// only its last line, the sentence that says what went wrong.
function oneLine(err) {
  const lines = String(err && err.message || err).trim().split("\n").filter((l) => l.trim());
  return lines.length ? lines[lines.length - 1].trim() : "unknown error";
}

function safely(action) {
  return (...args) => {
    try {
      return action(...args);
    } catch (err) {
      console.error(err);
      showError("deltagrad: error: " + oneLine(err));
    }
  };
}

function showError(message) {
  $("error").textContent = message;
  $("error").hidden = !message;
}

function variableInputs(names) {
  const box = $("values");
  box.replaceChildren();
  for (const name of names) {
    const label = document.createElement("label");
    label.append(name + " = ");
    const input = document.createElement("input");
    input.dataset.var = name;
    input.value = state.memory.get(name) ?? "";
    input.setAttribute("aria-label", "value of " + name);
    label.append(input);
    box.append(label);
  }
}

function typedValues() {
  // blank inputs are left out, so the CLI says which variable needs a value
  const inputs = [...$("values").querySelectorAll("input")];
  for (const i of inputs) state.memory.set(i.dataset.var, i.value.trim());
  return inputs.filter((i) => i.value.trim() !== "").map((i) => [i.dataset.var, i.value.trim()]);
}

// Trace state.expr. From a link (`verbatim`) the values are passed as the link gives
// them; otherwise they are what the inputs hold for the expression's variables (values
// typed earlier are remembered by name, so fixing a typo in the expression keeps them).
function runTrace({ verbatim = false } = {}) {
  if (verbatim) for (const [n, v] of state.values) state.memory.set(n, v);
  else typedValues();
  const parsed = JSON.parse(glue.variables_json(state.expr));
  if (verbatim) {  // the inputs show exactly the link's values
    const given = new Map(state.values);
    for (const n of parsed.variables || []) state.memory.set(n, given.get(n) ?? "");
  }
  variableInputs(parsed.variables || []);
  if (!verbatim) state.values = typedValues();
  const result = JSON.parse(glue.trace_json(state.expr, JSON.stringify(state.values.map(([n, v]) => n + "=" + v))));
  state.trace = result.ok ? result : null;
  for (const id of ["stepper", "check", "report-section"]) $(id).hidden = !result.ok;
  $("train").hidden = true;
  training.stop = true;
  $("verdict").textContent = "";
  $("verdict").className = "";
  if (!result.ok) {
    showError(result.error);
    $("report").textContent = "";
    $("graph").replaceChildren();
    layout.generation++;
    state.drawing = null;
    state.step = 0;
    writeFragment();
    return;
  }
  showError("");
  $("report").textContent = result.report;
  claimInputs(result);
  stepList(result);
  $("graph-note").hidden = result.drawable;
  $("graph-note").textContent = result.drawable ? "" : result.draw_error;
  state.drawing = null;
  if (result.drawable) drawTrace().catch((err) => { $("graph-note").hidden = false;
    $("graph-note").textContent = "This graph could not be drawn: " + oneLine(err); });
  else { layout.generation++; $("graph").replaceChildren(); $("graph").dataset.state = "none"; }
  goto(Math.min(state.step, result.steps.length - 1));
}

function claimInputs(result) {
  const box = $("claims");
  box.replaceChildren();
  for (const name of result.variables) {
    const label = document.createElement("label");
    label.append(`∂${result.root}/∂${name} = `);
    const input = document.createElement("input");
    input.dataset.var = name;
    input.setAttribute("aria-label", `your ∂${result.root}/∂${name}`);
    label.append(input);
    box.append(label);
  }
}

function stepList(result) {
  const list = $("step-list");
  list.replaceChildren();
  result.steps.forEach((s, i) => {
    const li = document.createElement("li");
    li.textContent = s.text;
    li.addEventListener("click", () => goto(i));
    list.append(li);
  });
}

function goto(i) {
  const t = state.trace;
  if (!t) return;
  const n = t.steps.length;
  state.step = Math.max(0, Math.min(i, n - 1));
  const s = t.steps[state.step];
  $("step-label").textContent = `step ${state.step + 1} of ${n}`;
  $("step-text").textContent = s.explain;
  $("first").disabled = $("prev").disabled = state.step === 0;
  $("last").disabled = $("next").disabled = state.step === n - 1;
  [...$("step-list").children].forEach((li, k) => li.classList.toggle("current", k === state.step));
  restyle();
  writeFragment();
}

function check(event) {
  event.preventDefault();
  const claims = {};
  for (const input of $("claims").querySelectorAll("input")) claims[input.dataset.var] = input.value;
  const values = JSON.stringify(state.values.map(([n, v]) => n + "=" + v));
  const result = JSON.parse(glue.check_json(state.expr, values, JSON.stringify(claims)));
  $("verdict").textContent = result.error || result.feedback;  // the judge's words: no engine value
  $("verdict").className = result.error ? "" : result.ok ? "right" : "wrong";
}

// ---------------------------------------------------------------------------
// The "train" preset: nn.fit runs here in Pyodide, a chunk of epochs at a time, and
// after each chunk the training view (nn.TrainingView's page) is shown at the newest
// epoch, keeping the example picked in it.
// ---------------------------------------------------------------------------
const training = { running: false, stop: false };

async function train() {
  if (training.running) return;
  Object.assign(training, { running: true, stop: false });
  for (const id of ["stepper", "check", "report-section"]) $(id).hidden = true;
  showError("");
  $("train").hidden = false;
  $("train").scrollIntoView();
  history.replaceState(null, "", "#train");  // a link that starts the run
  $("link").value = location.href;
  $("train-stop").disabled = false;
  const frame = $("train-view");
  const { epochs } = JSON.parse(glue.train_start());
  try {
    for (;;) {
      const picked = frame.contentDocument && frame.contentDocument.getElementById("example");
      const point = picked && picked.value !== "" ? Number(picked.value) : -1;
      const result = JSON.parse(glue.train_more(point));
      if (result.error) { showError(result.error); break; }
      frame.srcdoc = result.page;
      $("train-status").textContent = `epoch ${result.epoch} of ${epochs}: loss ${result.loss.toPrecision(4)}` +
        (result.done ? " — done" : training.stop ? " — stopped" : "");
      if (result.done || training.stop) break;
      await new Promise((resolve) => setTimeout(resolve, 30));  // let the page draw and the Stop button work
    }
  } finally {
    training.running = false;
    $("train-stop").disabled = true;
  }
}

// ---------------------------------------------------------------------------
// Wiring
// ---------------------------------------------------------------------------
function load(from) {
  state.expr = from.expr;
  state.values = from.values;
  state.step = from.step || 0;
  $("expr").value = state.expr;
  runTrace({ verbatim: true });
}

function wire() {
  const select = $("preset");
  PRESETS.forEach((p, i) => {
    const option = document.createElement("option");
    option.value = String(i);
    option.textContent = p.title;
    select.append(option);
  });
  select.addEventListener("change", () => {
    if (select.value === "") return;
    const p = PRESETS[Number(select.value)];
    if (p.train) train().catch((err) => showError("deltagrad: error: " + oneLine(err)));
    else safely(load)({ expr: p.expr, values: p.values, step: 0 });
    select.value = "";
  });
  $("trace-form").addEventListener("submit", safely((event) => {
    event.preventDefault();
    state.expr = $("expr").value;
    state.step = 0;
    runTrace();
  }));
  $("check-form").addEventListener("submit", safely(check));
  $("train-stop").addEventListener("click", () => { training.stop = true; });
  // a box for each variable as soon as the expression names it (values typed are remembered)
  $("expr").addEventListener("input", safely(() => {
    if (!glue) return;
    typedValues();
    const parsed = JSON.parse(glue.variables_json($("expr").value));
    if (parsed.variables) variableInputs(parsed.variables);
  }));
  $("first").addEventListener("click", safely(() => goto(0)));
  $("prev").addEventListener("click", safely(() => goto(state.step - 1)));
  $("next").addEventListener("click", safely(() => goto(state.step + 1)));
  $("last").addEventListener("click", safely(() => goto(Infinity)));
  document.addEventListener("keydown", safely((event) => {
    if (event.target.closest && event.target.closest("input, select, textarea")) return;
    const moves = { ArrowRight: state.step + 1, ArrowLeft: state.step - 1, Home: 0, End: Infinity };
    if (event.key in moves && state.trace) {
      event.preventDefault();
      goto(moves[event.key]);
    }
  }));
  $("copy-link").addEventListener("click", async () => {
    writeFragment();
    $("link").select();
    try {
      await navigator.clipboard.writeText(location.href);
      $("copy-link").textContent = "Copied";
    } catch {
      document.execCommand && document.execCommand("copy");
      $("copy-link").textContent = "Copied (selected)";
    }
    setTimeout(() => { $("copy-link").textContent = "Copy link"; }, 1500);
  });
  window.addEventListener("hashchange", safely(() => {
    const from = readFragment();
    if (from && fragment() !== location.hash) load(from);
  }));
}

function downloaded() {
  const entries = [...performance.getEntriesByType("navigation"), ...performance.getEntriesByType("resource")];
  return entries.reduce((sum, e) => sum + (e.transferSize || e.encodedBodySize || 0), 0);
}

async function main() {
  wire();
  const base = new URL(".", location.href).href;
  const times = {};
  const timed = (name, promise) => promise.then((x) => {
    times[name] = performance.now() / 1000;
    if (name === "viz") $("status").textContent = "Graphviz is ready; starting Python (about 10 MB)…";
    return x;
  });
  const [pyodide, , manifest, glueSource] = await Promise.all([
    timed("pyodide", loadPyodide({ indexURL: base + "pyodide/" })),
    timed("viz", startLayoutWorker()),
    fetch("wheels.json").then((r) => r.json()),
    fetch("playground.py").then((r) => r.text()),
  ]);
  $("status").textContent = "Python is running; installing deltagrad…";
  // deltagrad's own wheel and the pure-Python wheels it needs, from this folder only
  await pyodide.loadPackage(manifest.wheels.map((w) => base + "wheels/" + w), { messageCallback: () => {} });
  pyodide.FS.writeFile("playground.py", glueSource);  // the working directory is on sys.path
  times.wheels = performance.now() / 1000;
  glue = pyodide.pyimport("playground");
  times.import = performance.now() / 1000;
  $("functions").textContent = JSON.parse(glue.functions_json()).join(", ");
  const seconds = performance.now() / 1000;
  const megabytes = downloaded() / 1e6;
  window.playgroundLoad = { seconds, times, bytes: downloaded(), pyodide: manifest.pyodide, viz: manifest.viz };
  $("status").textContent = `deltagrad running on Python ${manifest.python} (Pyodide ${manifest.pyodide}) ` +
    `and Graphviz ${layout.version} (viz.js ${manifest.viz}): ready in ${seconds.toFixed(1)} s, ` +
    `${megabytes.toFixed(1)} MB downloaded.`;
  $("trace").disabled = false;
  if (location.hash === "#train") train().catch((err) => showError("deltagrad: error: " + oneLine(err)));
  else safely(load)(readFragment() || { ...PRESETS[0], step: 0 });
  document.body.dataset.state = "ready";
}

main().catch((err) => {
  document.body.dataset.state = "failed";
  $("status").textContent = "The playground could not start: " + oneLine(err);
  console.error(err);
});
