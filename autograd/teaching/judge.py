"""The judge: when an answer counts as right. Every check of a student's number goes
through here (`hand_check`, `grade`, `check_answer`, the quiz pages), so all of them
agree on what "right" means.

    default      |claimed − engine| ≤ atol + rtol·|engine|      (atol 1e-6, rtol 1e-4)
    sig_figs=k   claimed equals the engine's value rounded to k significant figures,
                 ± one unit in the k-th figure (for an engine value of 0.500972: any
                 claim from 0.500 to 0.502 with k = 3, from 0.5009 to 0.5011 with k = 4)
"""

from __future__ import annotations

import math
import numbers
import sys
from dataclasses import dataclass

__all__ = ["Tolerance", "agrees", "RTOL", "ATOL", "MAX_SIG_FIGS"]

RTOL = 1e-4  # claim vs engine
ATOL = 1e-6
MAX_SIG_FIGS = 15  # a float carries about 16 significant figures


@dataclass(frozen=True)
class Tolerance:
    """When a claimed derivative counts as right (the module doc gives both rules).

    Make one with `Tolerance.make(rtol=, atol=, sig_figs=)`, which checks the numbers."""

    rtol: float = RTOL
    atol: float = ATOL
    sig_figs: int | None = None

    @classmethod
    def make(cls, rtol=None, atol=None, sig_figs=None, who: str = "hand_check") -> "Tolerance":
        if sig_figs is not None and rtol is not None:
            raise ValueError(f"{who}: give sig_figs or rtol, not both (they are two different rules)")
        if sig_figs is not None and (isinstance(sig_figs, bool) or not isinstance(sig_figs, int)
                                     or not 1 <= sig_figs <= MAX_SIG_FIGS):
            raise ValueError(f"{who}: sig_figs must be a whole number from 1 to {MAX_SIG_FIGS}, got {sig_figs!r}")
        for name, x in (("rtol", rtol), ("atol", atol)):
            if x is not None and (isinstance(x, bool) or not isinstance(x, numbers.Real)
                                  or not math.isfinite(x) or x < 0):
                raise ValueError(f"{who}: {name} must be a number ≥ 0, got {x!r}")
        return cls(RTOL if rtol is None else float(rtol), ATOL if atol is None else float(atol), sig_figs)

    def agrees(self, claimed: float, engine: float) -> bool:
        """Is `claimed` right for the engine's value `engine`? (False for nan or infinities.)"""
        if not (math.isfinite(claimed) and math.isfinite(engine)):
            return False
        if self.sig_figs is None:
            return abs(claimed - engine) <= self.atol + self.rtol * abs(engine)
        if abs(claimed - engine) <= self.atol:
            return True  # e.g. an engine value of 0 (or 1e-17, a rounding error away from 0)
        k = self.sig_figs
        rounded = float(f"{engine:.{k - 1}e}")  # the engine's value to k significant figures
        if rounded == 0.0:
            return False  # (engine 0 and claimed beyond atol)
        ulp = 10.0 ** (math.floor(math.log10(abs(rounded))) - k + 1)  # one unit in the k-th figure
        # + the rounding error of the floats themselves (0.1 + 0.2 ≠ 0.3; 65536.001 − 65536 ≠ 0.001)
        slack = 1e-9 * ulp + 4 * sys.float_info.epsilon * max(abs(claimed), abs(rounded))
        return abs(claimed - rounded) <= ulp + slack

    def describe(self) -> str:
        if self.sig_figs is None:
            return f"a claim is right within {self.atol:g} + {self.rtol:g}·|engine|"
        figures = "figure" if self.sig_figs == 1 else "figures"
        return (f"a claim is right when it is the engine's value to {self.sig_figs} significant {figures}, "
                "± 1 in the last of them")


def agrees(claimed: float, engine: float, rtol: float = RTOL, atol: float = ATOL) -> bool:
    """|claimed − engine| ≤ atol + rtol·|engine| (false for nan or infinities)."""
    return math.isfinite(claimed) and math.isfinite(engine) and \
        abs(claimed - engine) <= atol + rtol * abs(engine)
