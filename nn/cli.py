"""The `deltagrad` command line.

    deltagrad demo
    deltagrad trace "tanh(w1*x1 + w2*x2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88 --svg g.svg --html steps.html

`trace` needs only the engine (`autograd`); it prints the forward values, every
backward step δ_j = Σ_{k∈↓j} δ_k ∂k/∂j with its numbers, and the gradients. Any
problem with the input, with a file or folder to write, or with standard output
itself (closed, or a full device such as /dev/full) ends with exit status 2 and one
sentence on stderr.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TextIO



def trace_epilog() -> str:
    """The trace's help: the language, with every function of the derivative table (from the table)."""
    from autograd.teaching.expr import calls

    lines, line = [], "  "
    for i, call in enumerate(calls()):  # lines of whole calls: "clamp(x, lo, hi)" is never cut
        call += "." if i == len(calls()) - 1 else ","
        if len(line) + len(call) > 86:
            lines.append(line.rstrip())
            line = "  "
        line += call + " "
    lines.append(line.rstrip())
    return ("The expression may use numbers, variables, + - * / ** (power), unary minus, and the\n"
            "functions of the derivative table:\n" + "\n".join(lines) + "\n"
            "Give every variable a value as name=value. An expression that starts with \"-\" must\n"
            "come after \"--\":  deltagrad trace -- \"-x*y\" x=1 y=2\n")



class _Parser(argparse.ArgumentParser):
    def _print_message(self, message: str, file: TextIO | None = None) -> None:
        # argparse echoes the user's arguments; those may hold characters the
        # terminal cannot encode (undecodable bytes of argv become surrogates)
        if message:
            _write(file or sys.stderr, message.rstrip("\n"))


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="deltagrad",
        description="Backpropagation you can step through, draw and check by hand.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    demo = sub.add_parser("demo", help="train a small network and write its pictures to out/",
                          description="Train a small network and write its pictures to out/.")
    demo.add_argument("--out", default="out", help="folder to write into (default: out)")
    demo.add_argument("--epochs", type=int, default=300, help="training epochs (default: 300)")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    trace = sub.add_parser(
        "trace",
        help="trace backprop through an expression, node by node",
        description="Trace backprop through an expression: forward values, every chain-rule "
                    "sum δ_j = Σ_k δ_k ∂k/∂j with its numbers, and the gradients.",
        epilog=trace_epilog(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    trace.add_argument("expr", metavar="EXPR", help='the expression, e.g. "tanh(w*x + b)"')
    trace.add_argument("values", metavar="name=value", nargs="*", help="a value for each variable, e.g. x=2")
    trace.add_argument("--svg", metavar="FILE", help="also write the graph with its gradients (SVG; .png, .pdf, .dot by extension)")
    trace.add_argument("--html", metavar="FILE",
                       help="also write a standalone HTML page that steps through backprop")
    return parser


def _write(stream: TextIO, text: str) -> None:
    """Print even to a terminal that cannot show δ or ∂ (they become \\u escapes)."""
    try:
        stream.write(text + "\n")
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")


def _fail(message: str) -> int:
    if sys.stderr is not None:  # (closed stderr: the exit status is all there is)
        try:
            _write(sys.stderr, f"deltagrad: error: {message}")
            sys.stderr.flush()
        except OSError:
            pass
    return 2


def trace_command(expr: str, assignments: list[str], svg: str | None, html: str | None) -> int:
    from autograd.teaching.expr import ExprError, parse_assignments, trace

    try:
        result = trace(expr, parse_assignments(assignments))
    except ExprError as err:
        return _fail(str(err))
    written = []
    try:  # files first: if one cannot be written, the command fails before printing anything
        if svg:
            from autograd.drawing.draw import draw, render

            result.root.backward()  # a fresh graph: the picture shows the same gradients
            render(draw(result.root), svg)
            written.append(f"wrote the graph to {svg}")
        if html:
            from autograd.teaching.steps import Stepper

            Stepper(result.root).to_html(html, title=f"Backpropagation through {result.text}")
            written.append(f"wrote the step-by-step page to {html}")
    except (OSError, ValueError, RuntimeError) as err:
        # a folder that does not exist, a bad extension, Graphviz missing (its error
        # is a RuntimeError with the install commands), a graph too big to draw
        return _fail(str(err))
    _write(sys.stdout, result.report())
    if written:
        _write(sys.stdout, "\n" + "\n".join(written))
    return 0


def demo_command(out: str, epochs: int, progress: bool) -> int:
    try:
        from nn import demo
    except ImportError as err:
        return _fail(f"the demo is not available ({err})")
    from autograd.files import writable_folder
    from nn.io import ModelFileError

    # the folder is checked before training, so a typo costs no training time
    folder = Path(out)
    if folder.exists() and not folder.is_dir():
        return _fail(f"--out {out!r} is a file, not a folder; give the name of a folder to write the pictures into")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        return _fail(f"--out {out!r}: cannot create the folder ({(err.strerror or str(err)).lower()}); choose another place")
    if not writable_folder(folder):
        return _fail(f"--out {out!r} is a read-only folder; choose another place")
    try:
        return demo.run(out, epochs, progress)
    except (OSError, ModelFileError) as err:  # a file the demo writes (disk full, ...)
        return _fail(str(err))


def main(argv: list[str] | None = None) -> int:
    if sys.stdout is None:  # started with stdout closed (deltagrad ... >&-)
        return _fail("standard output is closed; run deltagrad with its output going somewhere "
                     "(a terminal, a file, or > /dev/null)")
    try:
        code = _main(sys.argv[1:] if argv is None else list(argv))
        sys.stdout.flush()  # here, not at exit: a full disk or a closed pipe is reported
    except OSError as err:
        if getattr(sys.stdout, "fileno", None) is not None:
            _silence_stdout()
        return _fail(f"cannot write to standard output ({(err.strerror or str(err)).lower()})")
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that Python's own flush at exit has nothing to fail on."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # no real file descriptor (a test's captured stream)
        pass


def _main(args: list[str]) -> int:
    parser = _parser()
    try:
        ns = parser.parse_args(args)
    except SystemExit as done:  # --help (0) or a usage error (2): argparse has printed it
        return done.code if isinstance(done.code, int) else 2
    if ns.command == "trace":
        return trace_command(ns.expr, ns.values, ns.svg, ns.html)
    if ns.command == "demo":
        return demo_command(ns.out, ns.epochs, not ns.no_progress)
    parser.print_help(sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
