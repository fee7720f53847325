// Graphviz (viz.js, WebAssembly) laying out the playground's drawing, off the page's thread:
// a layout that takes too long is stopped by the page (it ends this worker), and the page
// stays responsive meanwhile. Messages in: {id, dot}; out: {ready, version} once, then
// {id, svg} or {id, error}.
import * as Viz from "./viz/viz.js";

const viz = Viz.instance();
viz.then((v) => postMessage({ ready: true, version: v.graphvizVersion }),
         (err) => postMessage({ ready: false, error: String(err && err.message || err) }));

onmessage = async (event) => {
  const { id, dot } = event.data;
  try {
    const v = await viz;
    postMessage({ id, svg: v.renderString(dot, { format: "svg" }) });
  } catch (err) {
    postMessage({ id, error: String(err && err.message || err).trim().split("\n").pop() });
  }
};
