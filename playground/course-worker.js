// The course pages' Python: Pyodide with deltagrad's wheel, both from this site (../pyodide,
// ../wheels), in a Web Worker so that a student's endless loop never freezes the page: the page
// stops this worker after its time limit and starts a fresh one.
//
// Messages in:  {id, setup, answer, check}     Messages out: {ready: true} once, then
//               {id, ok, verdict} per run, or {error} if Python could not start.
import { loadPyodide } from "../pyodide/pyodide.mjs";

const base = new URL("../", import.meta.url).href;

async function start() {
  const [pyodide, manifest, runner] = await Promise.all([
    loadPyodide({ indexURL: base + "pyodide/" }),
    fetch(base + "wheels.json").then((r) => r.json()),
    fetch(new URL("exercise.py", import.meta.url)).then((r) => r.text()),
  ]);
  await pyodide.loadPackage(manifest.wheels.map((w) => base + "wheels/" + w), { messageCallback: () => {} });
  pyodide.FS.writeFile("course_exercise.py", runner);  // the working directory is on sys.path
  return pyodide.pyimport("course_exercise");
}

const ready = start();
ready.then(() => postMessage({ ready: true }),
           (err) => postMessage({ error: String(err && err.message || err).trim().split("\n").pop() }));

onmessage = async (event) => {
  const { id, setup, answer, check } = event.data;
  const runner = await ready;
  let result;
  try {
    result = JSON.parse(runner.run_json(setup, answer, check));
  } catch (err) {
    result = { ok: false, verdict: "error: " + String(err && err.message || err).trim().split("\n").pop() };
  }
  postMessage({ id, ...result });
};
