"""Drawing graphs with Graphviz (`draw`, `render`). Imported on first use, so the engine
runs without the graphviz package."""
