"""The old name of `nn.textbook` (backprop as the lectures do it by hand): `from nn.teach
import ...` still works and warns once, so that notebooks written before keep running."""

import warnings

from nn.textbook import *  # noqa: F401,F403
from nn.textbook import __all__  # noqa: F401

warnings.warn("nn.teach is now nn.textbook (the same functions)", DeprecationWarning, stacklevel=2)
