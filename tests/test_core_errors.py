"""Bad input gets the exact exception type and a message naming the op, the operand
and the node, never a silent nan or inf."""

from __future__ import annotations

import pytest

from autograd import DomainError, Value, weighted_sum


@pytest.mark.parametrize("bad", [True, False, "1.0", None, 1 + 2j, [1.0], object()])
def test_value_rejects_non_numbers(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_value_rejects_non_finite_numbers(bad):
    with pytest.raises(ValueError, match="not a finite number"):
        Value(bad)


def test_label_must_be_a_string():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)


@pytest.mark.parametrize("bad", ["2", None, True])
def test_mixing_a_value_with_a_non_number_names_the_operand(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(1.0) * bad


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda x: x.log(), ValueError, ["log", "-2.0", "'x'", "positive"]),
        (lambda x: (x + 2).log(), ValueError, ["log", "0.0", "made by '+2'"]),
        (lambda x: x / (x + 2), ZeroDivisionError, ["/", "'x'", "division by zero"]),
        (lambda x: 1 / (x + 2), ZeroDivisionError, ["1/", "division by zero"]),
        (lambda x: x / 0, ZeroDivisionError, ["/0", "division by zero"]),
        (lambda x: x**0.5, ValueError, ["**0.5", "-2.0", "'x'", "non-integer"]),
        (lambda x: (x + 2) ** -1, ZeroDivisionError, ["**-1", "negative power"]),
        (lambda x: x ** Value(2.0, "e"), ValueError, ["**", "'x'", "'e'", "positive base"]),
        (lambda x: (-2.0) ** x, ValueError, ["-2**", "positive base"]),
        (lambda x: (x * -400).exp(), OverflowError, ["exp", "800.0"]),
        (lambda x: (x * -1e200) * 1e200, OverflowError, ["*1e+200", "too large"]),
    ],
)
def test_domain_errors_name_the_op_operand_and_node(make, error, words):
    x = Value(-2.0, "x")
    with pytest.raises(error) as info:
        make(x)
    for word in words:
        assert word in str(info.value), (word, str(info.value))


def test_domain_error_is_a_value_error():
    assert issubclass(DomainError, ValueError)


def test_integer_power_of_a_negative_base_is_fine():
    x = Value(-2.0, "x")
    y = x**3
    y.backward()
    assert y.data == -8.0 and x.grad == 12.0


def test_backward_rejects_a_non_number_seed():
    with pytest.raises(TypeError, match="backward"):
        (Value(1.0) * 2).backward(seed="1")


def test_weighted_sum_rejects_non_numbers():
    with pytest.raises(TypeError, match="weighted_sum input"):
        weighted_sum([Value(1.0)], ["a"])
