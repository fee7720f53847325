"""The `deltagrad` command line."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] == ["demo"]:
        print("deltagrad demo: coming soon")
        return 0
    print("usage: deltagrad demo", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
