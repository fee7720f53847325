"""The floor for a scalar graph in pure Python: the least a node can cost here.

A `Value` with the same six slots as deltagrad's, the two ops of the W2 chain
(Value · number, Value + number) written out inline, and the same backward pass
(an iterative search, then δ_j += δ_k · ∂k/∂j edge by edge), with the cycle
collector set as deltagrad sets it for a big graph. No op table, no checks, no
messages, no finiteness test: what it lacks is exactly what deltagrad adds. W2 measures it beside deltagrad, so a target
in µs per link can be read against what this machine's Python can do at all.
"""

from __future__ import annotations

import gc

gc.set_threshold(20_000, 10, 1000)  # (this module is imported only in its own bench process)


class Value:
    __slots__ = ("data", "grad", "label", "op", "parents", "local_grads")

    def __init__(self, data: float):
        self.data, self.grad, self.label = data, 0.0, ""
        self.op, self.parents, self.local_grads = "", (), ()

    def __mul__(self, c: float) -> "Value":
        out = Value.__new__(Value)
        out.data, out.grad, out.label = self.data * c, 0.0, ""
        out.op, out.parents, out.local_grads = "*", (self,), (c,)
        return out

    def __add__(self, c: float) -> "Value":
        out = Value.__new__(Value)
        out.data, out.grad, out.label = self.data + c, 0.0, ""
        out.op, out.parents, out.local_grads = "+", (self,), (1.0,)
        return out

    def backward(self) -> None:
        start, order, stack = float("0"), [], [self]
        while stack:
            node = stack.pop()
            if node is _DONE:
                order.append(stack.pop())
            elif node.grad is not start:
                node.grad = start
                stack += (node, _DONE)
                for parent in reversed(node.parents):
                    if parent.parents and parent.grad is not start:
                        stack.append(parent)
        self.grad = 1.0
        for node in reversed(order):
            delta = node.grad
            for parent, local in zip(node.parents, node.local_grads):
                parent.grad += local * delta


_DONE = object()
