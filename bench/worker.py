"""One measurement in a fresh process: `python -m bench.worker '<json spec>'`.

The spec names a function of `bench.workloads` and its keyword arguments; the
result is printed as one JSON line on stdout. Running every measurement in its own
process keeps them independent: the cost of the garbage collector depends on
everything else alive in the process, and nothing else is alive here.
"""

from __future__ import annotations

import json
import os
import sys

# One thread for NumPy's matrix products, as PyTorch is given (torch.set_num_threads(1)):
# set before anything imports NumPy, and a figure never depends on how busy the other cores are.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from bench import workloads  # noqa: E402 - after the thread settings


def main(argv: list[str]) -> None:
    if len(argv) != 1:
        raise SystemExit("usage: python -m bench.worker '{\"workload\": \"w2_chain\", ...}'")
    spec = json.loads(argv[0])
    name = spec.pop("workload")
    function = getattr(workloads, name, None)
    if function is None or not name.startswith("w"):
        raise SystemExit(f"bench.worker: no workload {name!r} in bench/workloads.py")
    print(json.dumps(function(**spec)))


if __name__ == "__main__":
    main(sys.argv[1:])
