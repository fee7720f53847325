"""What the engine accepts from a user: numbers (`as_float`) and labels (`check_label`)."""

from __future__ import annotations

import numbers
from math import isfinite

from autograd.explain import name_of

__all__ = ["as_float", "check_label"]


def as_float(x, what: str, *what_args) -> float:
    """Accept int, float and numpy floating/integer scalars; reject everything else.

    `what` names the argument in the error message, formatted with `what_args` only
    when there is an error (formatting it on every call would cost more than the check)."""
    if type(x) is not float and type(x) is not int:  # (the numbers.Real ABC test is slow)
        if isinstance(x, bool) or not isinstance(x, numbers.Real):
            raise TypeError(f"{what.format(*what_args)}: expected a real number (int or float), "
                            f"got {type(x).__name__} {x!r}")
    try:
        f = float(x)
    except OverflowError:  # an int beyond ±1.8e308 (its repr may be too long to print)
        shown = _Shown(f"<an integer of about {int(x.bit_length() * 0.30103) + 1} digits>")
        raise ValueError(f"{what.format(*[shown if a is x else a for a in what_args])}: too large "
                         "for a float (at most about 1.8e308)") from None
    if not isfinite(f):
        raise ValueError(f"{what.format(*what_args)}: {f} is not a finite number")
    return f


class _Shown(str):
    """Text that an error message shows as it is, also where it formats with !r."""

    __repr__ = str.__str__


def check_label(label, node) -> str:
    """A label must be text that can be drawn: a str with no NUL and no lone surrogate
    (neither can be written to a file as UTF-8, so Graphviz and browsers never see them)."""
    if type(label) is str and label.isascii() and "\x00" not in label:
        return label  # the usual case, checked cheaply
    if not isinstance(label, str):
        problem = f"must be a str, got {type(label).__name__} {label!r}"
    elif "\x00" in label:
        problem = f"{label!r} contains a NUL character (\\x00), which cannot be drawn; remove it"
    elif any("\ud800" <= ch <= "\udfff" for ch in label):
        problem = f"{label!r} contains a lone surrogate, which is not a character and cannot be drawn"
    else:
        return label
    # a node being made has its data but no op yet; a node being relabelled has both
    where = f" (setting the label of {name_of(node)})" if hasattr(node, "op") \
        else f" (making Value({node.data!r}))"
    error = TypeError if not isinstance(label, str) else ValueError
    raise error(f"Value label {problem}{where}")
