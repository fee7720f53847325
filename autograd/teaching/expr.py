"""A safe little expression language for tracing backprop from the command line.

    deltagrad trace "tanh(w1*x1 + w2*x2 + b)" x1=2 x2=0 w1=-3 w2=1 b=6.88

The text is parsed by Python's `ast` module and then checked against a whitelist:
numbers, variable names, + − * / ** %, unary minus and plus, and calls of the
functions of the engine's derivative table: exp, log, tanh, sin, sqrt, ... (one
argument), atan2(y, x), hypot, maximum, minimum (two), and leaky_relu(x, slope),
elu(x, alpha), clamp(x, lo, hi), whose constants are optional numbers.
Nothing is ever passed to `eval`. Every variable becomes ONE labelled leaf Value
(x*x uses the same leaf twice); arithmetic on plain numbers only is done in
floats first, so `2*3*x` is one node `x·6`.

Everything that goes wrong — bad syntax, an unknown name, a domain error such as
log(−1), an overflow — raises `ExprError` with one readable sentence.
"""

from __future__ import annotations

import ast
import io
import keyword
import math
import operator
import tokenize
import unicodedata
import warnings
from dataclasses import dataclass, field
from typing import Iterable, Mapping

from autograd import ops, rules
from autograd.names import fmt, node_expression, node_names
from autograd.teaching.steps import Step, backward_steps
from autograd.graph import topological_order
from autograd.value import Value

__all__ = ["ExprError", "FUNCTIONS", "calls", "parse", "parse_assignments", "build", "function", "trace", "Trace"]

MAX_DEPTH = 200  # nested calls and unary minuses: far beyond any hand-written expression
MAX_LENGTH = 10_000  # characters: a teaching trace of more nodes than this is unreadable anyway
# binary operations (+ − * / **) in the whole expression. Python's parser builds a chain
# a + b + c + ... as nested nodes and runs out of stack near 3,000 of them; below that
# the trace is still far longer than anyone reads.
MAX_OPERATIONS = 2_000

# The whitelist: every function of the derivative table (and its NumPy spelling),
# name → (fewest, most) arguments. Arguments after the operands are constants.
_OPERANDS = {1: ("x",), 2: ("a", "b")}
_SIGNATURE: dict[str, str] = {}  # name → "x, slope": how the call is written
FUNCTIONS: dict[str, tuple[int, int]] = {}
for _name in ops.FUNCTIONS:
    _rule = rules.RULES[rules.ALIASES.get(_name, _name)]
    _SIGNATURE[_name] = ", ".join(("y", "x") if _rule.name == "atan2" else
                                  _OPERANDS.get(_rule.arity, ()) + _rule.params)
    FUNCTIONS[_name] = (_rule.arity + len(_rule.params) - len(_rule.defaults), _rule.arity + len(_rule.params))



def calls() -> list[str]:
    """Every function an expression may call, as it is written: "exp(x)", "leaky_relu(x, slope)",
    "atan2(y, x)", ... in the table's order (the help of the CLI and the playground list these)."""
    return [f"{name}({_SIGNATURE[name]})" for name in FUNCTIONS]


_BINARY = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**", ast.Mod: "%"}
_UNARY = {ast.USub: "-", ast.UAdd: "+"}
_ALLOWED = (ast.Expression, ast.BinOp, ast.UnaryOp, ast.Call, ast.Name, ast.Constant, ast.Load,
            *_BINARY, *_UNARY)
# How to name what a student wrote when it is not allowed.
_FORBIDDEN = {
    ast.Attribute: "attribute access (a.b)", ast.Subscript: "indexing (a[i])",
    ast.Compare: "comparisons", ast.BoolOp: "and/or", ast.Lambda: "lambda",
    ast.IfExp: "if/else", ast.NamedExpr: "assignment (:=)", ast.List: "lists",
    ast.Tuple: "tuples", ast.Dict: "dicts", ast.Set: "sets", ast.Starred: "* unpacking",
    ast.JoinedStr: "f-strings", ast.ListComp: "comprehensions", ast.GeneratorExp: "generators",
    ast.SetComp: "comprehensions", ast.DictComp: "comprehensions", ast.Await: "await",
    ast.Yield: "yield", ast.YieldFrom: "yield", ast.Slice: "slices",
    ast.FloorDiv: "// (use /)", ast.MatMult: "@",
    ast.BitAnd: "&", ast.BitOr: "|", ast.BitXor: "^ (for a power write **)",
    ast.LShift: "<<", ast.RShift: ">>", ast.Invert: "~", ast.Not: "not",
}


class ExprError(ValueError):
    """The expression or the values given for it cannot be traced; the message says why."""


def _short(text: str, limit: int = 60) -> str:
    """The user's text for an error message, shortened. Messages show it with !r,
    which escapes control characters and lone surrogates a terminal cannot print."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# ---------------------------------------------------------------------------
# Parsing
# ---------------------------------------------------------------------------
def parse(text: str, *, need_variables: bool = True) -> tuple[ast.Expression, list[str]]:
    """Parse and whitelist-check `text`; return the tree and its variable names
    (in order of first appearance, left to right). An expression without variables
    is an error unless `need_variables` is False (a number typed as a derivative)."""
    if not isinstance(text, str):
        raise ExprError(f"the expression must be text, got {type(text).__name__}")
    if not text.strip():
        raise ExprError("the expression is empty; write one such as \"tanh(w*x + b)\"")
    if len(text) > MAX_LENGTH:
        raise ExprError(f"the expression is {len(text)} characters long; at most {MAX_LENGTH} are traced")
    operations = _binary_operations(text)
    if operations > MAX_OPERATIONS:
        raise ExprError(f"cannot parse {_short(text)!r}: it has {operations} operations (+ − * / **); "
                        f"at most {MAX_OPERATIONS} are traced — split it into smaller expressions")
    try:
        with warnings.catch_warnings():
            # "1if x" or "0x1for" made the tokenizer print a SyntaxWarning to the user's
            # terminal; as an error it is one clear message like any other parse error
            warnings.simplefilter("error", SyntaxWarning)
            tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as err:
        where = f" at column {err.offset}" if err.offset else ""
        raise ExprError(f"cannot parse {_short(text)!r}{where}: {err.msg}") from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as err:
        # null bytes, integers with too many digits, nesting beyond the parser's limits
        reason = ("it is nested too deeply for Python's parser (calls, parentheses and unary minuses "
                  "inside one another)") if isinstance(err, (RecursionError, MemoryError)) else str(err)
        raise ExprError(f"cannot parse {_short(text)!r}: {reason}") from None

    names: list[str] = []
    nodes = [(tree, 0)]
    while nodes:  # iterative walk: no recursion, whatever the depth
        node, depth = nodes.pop()
        if depth > MAX_DEPTH:  # the same limit on every Python (3.10's parser has none)
            raise ExprError(f"cannot parse {_short(text)!r}: it is nested too deeply "
                            f"(more than {MAX_DEPTH} levels)")
        if not isinstance(node, _ALLOWED):
            what = _FORBIDDEN.get(type(node), type(node).__name__)
            raise ExprError(
                f"{what}: not allowed here; use numbers, variables, + - * / **, and "
                f"the functions {', '.join(FUNCTIONS)}"
            )
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExprError(f"{node.value!r} is not a number; only numbers and variables can be used")
        elif isinstance(node, ast.Call):
            _check_call(node)
            nodes.extend((arg, depth + 1) for arg in reversed(node.args))  # f(g(h(x))) nests
            continue  # node.func is the function's name, not a variable
        elif isinstance(node, ast.Name):
            if node.id in FUNCTIONS:
                raise ExprError(f"{node.id} is a function: call it, as in {node.id}(x)")
            if node.id not in names:
                names.append(node.id)
        # a unary minus nests like a call; a chain of + or * is flat however long
        inner = depth + 1 if isinstance(node, ast.UnaryOp) else depth
        nodes.extend((kid, inner) for kid in reversed(list(ast.iter_child_nodes(node))))
    if not names and need_variables:
        raise ExprError("the expression has no variables, so there is nothing to differentiate; "
                        "use names such as x in it and give their values (x=2)")
    return tree, names


def _binary_operations(text: str) -> int:
    """How many binary + − * / ** the text has (a + or − after an operand is binary).
    Tokenizing is iterative, so this is safe on any text; text that does not tokenize
    is left for the parser to report."""
    count, after_operand = 0, False
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text.strip()).readline):
            if tok.type == tokenize.OP and tok.string in ("+", "-", "*", "/", "**", "%"):
                count += after_operand
                after_operand = False
            elif tok.type in (tokenize.NAME, tokenize.NUMBER, tokenize.STRING) or tok.string == ")":
                after_operand = True
            elif tok.type == tokenize.OP:
                after_operand = False
    except (tokenize.TokenError, SyntaxError, ValueError):  # (IndentationError is a SyntaxError)
        pass
    return count


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name):
        raise ExprError(f"only the functions {', '.join(FUNCTIONS)} can be called, by name")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ExprError(f"unknown function {_short(name)!r}; the functions are {', '.join(FUNCTIONS)}")
    if node.keywords:
        raise ExprError(f"{name}() takes its arguments by position: {name}({_SIGNATURE[name]})")
    low, high = FUNCTIONS[name]
    if not low <= len(node.args) <= high:
        count = {1: "one argument", 2: "two arguments", 3: "three arguments"}
        wanted = count[high] if low == high else f"{count[low].split()[0]} to {count[high]}"
        raise ExprError(f"{name}() takes {wanted} ({_SIGNATURE[name]}), got {len(node.args)}")


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """["x=2", "w=-3"] → {"x": 2.0, "w": -3.0}; each value a finite number, each name once."""
    values: dict[str, float] = {}
    for item in items:
        name, sep, number = item.partition("=")
        # the parser reads identifiers in NFKC form ("ﬁ" is "fi"): so must the values
        name = unicodedata.normalize("NFKC", name.strip())
        if not sep:
            raise ExprError(f"{_short(item)!r} is not an assignment; write name=value, e.g. x=2")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExprError(f"{_short(name)!r} is not a variable name (in {_short(item)!r})")
        if name in FUNCTIONS:
            raise ExprError(f"{name} is a function, not a variable; pick another name")
        if name in values:
            raise ExprError(f"{name} is given twice ({name}={values[name]:g} and {_short(item)!r}); give it once")
        try:
            x = float(number)
        except ValueError:
            raise ExprError(f"the value of {name} must be a number, got {_short(number)!r}") from None
        if not math.isfinite(x):
            raise ExprError(f"the value of {name} must be a finite number, got {_short(number)!r}")
        values[name] = x
    return values


# ---------------------------------------------------------------------------
# Building the graph
# ---------------------------------------------------------------------------
def build(text: str, values: Mapping[str, float]) -> tuple[Value, dict[str, Value]]:
    """The graph of `text` with `values` for its variables: (root, {name: leaf})."""
    tree, names = parse(text)
    missing = [n for n in names if n not in values]
    if missing:
        example = " ".join(f"{n}=1" for n in missing)
        raise ExprError(f"no value given for {', '.join(missing)}; add e.g. {example}")
    unused = [n for n in values if n not in names]
    if unused:
        raise ExprError(f"{', '.join(unused)} {'is' if len(unused) == 1 else 'are'} given a value "
                        f"but not used in the expression (the variables are {', '.join(names)})")
    leaves = {n: Value(values[n], n) for n in names}
    try:
        root = _evaluate(tree.body, leaves)
    except ExprError:
        raise
    except OverflowError as err:
        raise ExprError(f"cannot compute it: a number grows too large for a float ({err})") from None
    except (ArithmeticError, ValueError) as err:  # the engine's DomainError is a ValueError
        raise ExprError(f"cannot compute it: {err}") from None
    if not isinstance(root, Value):  # variables only multiplied by 0 are still variables
        raise ExprError("the expression does not depend on its variables")
    return root, leaves


def function(text: str):
    """`text` as a Python function of its variables, called by keyword: f(x=Value(2.0, "x"))
    gives the graph's root (a Value), f(x=2.0) a plain float. The same parser and
    whitelist as `build`, but an expression without variables is allowed (a constant).
    `hand_check` takes it as its f, and a derivative typed as an expression is evaluated
    at a point with it. Extra keywords are ignored, so one point can be passed to
    several functions. Domain errors raise ExprError."""
    tree, names = parse(text, need_variables=False)

    def f(**point):
        missing = [n for n in names if n not in point]
        if missing:
            raise ExprError(f"no value given for {', '.join(missing)} in {_short(text)!r}")
        try:
            return _evaluate(tree.body, {n: point[n] for n in names})
        except ExprError:
            raise
        except OverflowError as err:
            raise ExprError(f"cannot compute {_short(text)!r}: a number grows too large for a float ({err})") from None
        except (ArithmeticError, ValueError) as err:
            raise ExprError(f"cannot compute {_short(text)!r}: {err}") from None

    f.__name__ = "expression"
    f.variables = tuple(names)
    return f


def _evaluate(body: ast.AST, leaves: Mapping[str, Value]):
    """Post-order walk with an explicit stack (a long sum x+x+...+x is fine)."""
    result: dict[int, Value | float] = {}
    stack: list[tuple[ast.AST, bool]] = [(body, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, ast.Constant):
            result[id(node)] = _number(node.value)
        elif isinstance(node, ast.Name):
            result[id(node)] = leaves[node.id]
        elif not children_done:
            stack.append((node, True))
            kids = [node.left, node.right] if isinstance(node, ast.BinOp) else \
                [node.operand] if isinstance(node, ast.UnaryOp) else list(node.args)
            stack.extend((k, False) for k in reversed(kids))
        elif isinstance(node, ast.BinOp):
            a, b = result.pop(id(node.left)), result.pop(id(node.right))
            result[id(node)] = _binary(_BINARY[type(node.op)], a, b)
        elif isinstance(node, ast.UnaryOp):
            a = result.pop(id(node.operand))
            result[id(node)] = -a if isinstance(node.op, ast.USub) else a
        else:
            args = [result.pop(id(k)) for k in node.args]
            result[id(node)] = _call(node.func.id, args)
    return result[id(body)]


def _number(x) -> float:
    try:
        f = float(x)  # an int literal too large for a float raises OverflowError
    except OverflowError:
        raise ExprError(f"the number {str(x)[:20]}… is too large for a float") from None
    return f


_ARITHMETIC = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv, "**": operator.pow,
               "%": operator.mod}


def _binary(op: str, a, b):
    if isinstance(a, Value) or isinstance(b, Value):
        # the engine's operators; a plain number on either side is folded into the op
        return _ARITHMETIC[op](a, b)
    # two plain numbers: float arithmetic (a float power never hangs, unlike int towers)
    try:
        out = _ARITHMETIC[op](a, b)
    except ZeroDivisionError:
        raise ExprError(f"cannot compute {fmt(a)} {op} {fmt(b)}: division by zero") from None
    except OverflowError:
        raise ExprError(f"cannot compute {fmt(a)} {op} {fmt(b)}: the result is too large for a float") from None
    if isinstance(out, complex):
        raise ExprError(f"cannot compute {fmt(a)} ** {fmt(b)}: a negative number to a fractional power")
    if not math.isfinite(out):
        raise ExprError(f"cannot compute {fmt(a)} {op} {fmt(b)}: the result is too large for a float")
    return out


def _call(name: str, args: list):
    rule = rules.RULES[rules.ALIASES.get(name, name)]
    operands, consts = args[: rule.arity], args[rule.arity :]
    for param, c in zip(rule.params, consts):
        if isinstance(c, Value):
            raise ExprError(f"the {param} of {name}() must be a number, not depend on variables")
    if any(isinstance(x, Value) for x in operands):
        return ops.FUNCTIONS[name](*args)  # a node (its errors are reported by `build`)
    try:
        return ops.FUNCTIONS[name](*args)  # numbers only: fold it into a number
    except (ArithmeticError, ValueError) as err:
        raise ExprError(f"cannot compute {name}({', '.join(map(fmt, args))}): {err}") from None


# ---------------------------------------------------------------------------
# The whole trace: forward values, backward steps, gradients
# ---------------------------------------------------------------------------
@dataclass
class Trace:
    text: str
    root: Value
    leaves: dict[str, Value]
    steps: list[Step] = field(default_factory=list)

    @property
    def gradients(self) -> dict[str, float]:
        """∂root/∂variable for every variable, from the steps (the .grad of a fresh graph)."""
        delta = {s.node: s.delta for s in self.steps}
        return {n: delta[v] for n, v in self.leaves.items()}

    def report(self) -> str:
        r = self.root.label
        order = topological_order(self.root)
        names = node_names(self.root)
        lines = [f"{r} = {self.text.strip()}", "", "forward (inputs first):"]
        for node in order:
            expression = node_expression(node, names)
            shown = f"{names[node]} = {expression} = " if node.parents else f"{names[node]} = "
            lines.append(f"  {shown}{fmt(node.data, 6)}")
        lines += ["", f"backward (δ[j] = ∂{r}/∂j, one node at a time, {r} first):"]
        for s in self.steps:
            rules_used = "; ".join(dict.fromkeys(t.formula for t in s.terms))
            lines.append(f"  [{s.index + 1}] {s.text()}" + (f"      {rules_used}" if rules_used else ""))
        lines += ["", "gradients:"]  # each variable by its node's name, as in the steps
        lines += [f"  ∂{r}/∂{names[self.leaves[n]]} = {g:.10g}" for n, g in self.gradients.items()]
        return "\n".join(lines)


def trace(text: str, values: Mapping[str, float]) -> Trace:
    """Build the graph, name every node (the output is "f", or the first of "out",
    "out2", "out3", ... that is not a variable; other nodes "n<i>"), and step through
    backprop. Raises ExprError, also when a δ overflows (a finite forward pass can
    still have a huge gradient)."""
    root, leaves = build(text, values)
    if root.parents:  # (a bare variable keeps its own name)
        candidates = ["f", "out"] + [f"out{i}" for i in range(2, len(leaves) + 3)]
        root.label = next(c for c in candidates if c not in leaves)
    # label every node with its stable name, so drawings and the printed steps agree
    for node, name in node_names(root).items():
        node.label = name
    try:
        steps = backward_steps(root)
    except OverflowError as err:
        raise ExprError(f"{err} (the backward pass overflows); try smaller values") from None
    return Trace(_printable(text), root, leaves, steps)


def _printable(text: str) -> str:
    """The expression on one line, with any control character escaped, for the report.
    (Not ast.unparse: it recurses, and a 400-term sum is a fine expression.)"""
    one_line = " ".join(text.split())
    return "".join(ch if ch.isprintable() else repr(ch)[1:-1] for ch in one_line)
