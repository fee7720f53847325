// A course page: its math typeset by KaTeX (a copy in ./katex), and its exercise checked by
// deltagrad itself in Pyodide (course-worker.js). Nothing is fetched from another host.

// seconds a check may run before its worker is stopped (an endless loop); a test may shorten it
const timeLimit = () => window.COURSE_TIME_LIMIT || 20;

function typeset(root) {
  if (!window.katex) return 0;
  let failed = 0;
  for (const el of root.querySelectorAll(".math:not([data-typeset])")) {
    const tex = el.textContent;
    try {
      window.katex.render(tex, el, { displayMode: el.classList.contains("display"), throwOnError: true });
    } catch (err) {  // shown as TeX, marked, and counted for the tests
      failed += 1;
      el.textContent = tex;
      el.classList.add("math-error");
      el.title = String(err.message || err);
    }
    el.dataset.typeset = "1";
  }
  return failed;
}

function decode(text) {
  const bytes = Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes));
}

// One worker for the page, started when the page has an exercise; replaced after a time-out.
let worker = null;
let workerReady = null;
const pending = new Map();
let nextId = 1;

function startWorker(onStatus) {
  worker = new Worker(new URL("course-worker.js", import.meta.url), { type: "module" });
  workerReady = new Promise((resolve, reject) => {
    worker.onmessage = (event) => {
      const m = event.data;
      if (m.ready) { resolve(); return; }
      if (m.error) { reject(new Error(m.error)); return; }
      const done = pending.get(m.id);
      if (done) { pending.delete(m.id); done(m); }
    };
    worker.onerror = (event) => reject(new Error(event.message || "the Python worker failed"));
  });
  workerReady.then(() => onStatus("ready"), (err) => onStatus("Python could not start: " + err.message));
}

async function runExercise(bundle, answer, onStatus) {
  await workerReady;
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      worker.terminate();
      startWorker(onStatus);
      resolve({ ok: false, verdict: `stopped: your answer ran for more than ${timeLimit()} s (an endless loop?)` });
    }, timeLimit() * 1000);
    pending.set(id, (m) => { clearTimeout(timer); resolve(m); });
    worker.postMessage({ id, setup: bundle.setup, answer, check: bundle.check });
  });
}

function wireExercise(box) {
  const bundleText = box.querySelector("[data-bundle]").textContent;
  const button = box.querySelector("[data-check]");
  const status = box.querySelector("[data-status]");
  const verdict = box.querySelector("[data-verdict]");
  const onStatus = (s) => {
    status.textContent = s === "ready" ? "" : s;
    button.disabled = s !== "ready";
    box.dataset.ready = s === "ready" ? "1" : "";
  };
  startWorker(onStatus);
  button.addEventListener("click", async () => {
    button.disabled = true;
    verdict.textContent = "";
    status.textContent = "checking…";
    const result = await runExercise(decode(bundleText), box.querySelector("[data-answer]").value, onStatus);
    verdict.textContent = result.verdict;
    verdict.className = result.ok ? "right" : "wrong";
    if (status.textContent === "checking…") status.textContent = "";
    button.disabled = false;
  });
  box.querySelector("[data-show-solution]").addEventListener("click", (event) => {
    const place = box.querySelector("[data-solution]");
    if (place.hidden) {
      place.innerHTML = decode(bundleText).solution;  // the notebook's own cells, rendered at build time
      typeset(place);
      place.hidden = false;
      event.target.textContent = "Hide solution";
    } else {
      place.hidden = true;
      event.target.textContent = "Show solution";
    }
  });
}

function main() {
  const failed = typeset(document.body);
  document.body.dataset.mathErrors = String(failed);
  for (const box of document.querySelectorAll("[data-exercise]")) wireExercise(box);
  document.body.dataset.state = "ready";
}

if (window.katex) main();
else window.addEventListener("load", main);  // katex.min.js is deferred
