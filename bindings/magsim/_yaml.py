"""YAML as magsim reads it (YAML 1.2, like the C++ reader), and text PyYAML reads the same way.

PyYAML implements YAML 1.1, where a plain ``12:30`` is the base-60 integer 750, ``2024-05-01``
a date and ``010`` octal 8; magsim's reader (YAML 1.2) takes them as the text ``"12:30"``, the
text ``"2024-05-01"`` and the number 10. :func:`load` reads scenario text the way magsim does;
:func:`for_pyyaml` quotes the plain scalars that PyYAML would read otherwise, so that
``yaml.safe_load`` of the result gives the values magsim sees.
"""

from __future__ import annotations

import json
import re
from typing import Any, List, Tuple

import yaml

__all__ = ["load", "for_pyyaml"]

_INT_12 = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_12 = re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
                       r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$")


class _Loader12(yaml.SafeLoader):
    """SafeLoader with the YAML 1.2 core schema's implicit types (no base 60, no dates, no
    ``yes``/``no``/``on``/``off`` booleans, no ``_`` in numbers)."""

    yaml_implicit_resolvers: dict = {}


_Loader12.add_implicit_resolver("tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
                                ["~", "n", "N", ""])
_Loader12.add_implicit_resolver("tag:yaml.org,2002:bool",
                                re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
                                list("tTfF"))
_Loader12.add_implicit_resolver("tag:yaml.org,2002:int", _INT_12, list("-+0123456789"))
_Loader12.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_12, list("-+.0123456789"))


def _int12(loader: yaml.SafeLoader, node: yaml.Node) -> int:
    text = loader.construct_scalar(node)
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text, 10)


def _float12(loader: yaml.SafeLoader, node: yaml.Node) -> float:
    text = str(loader.construct_scalar(node))
    lower = text.lower()
    if lower.endswith(".inf"):
        return float("-inf") if lower.startswith("-") else float("inf")
    if lower == ".nan":
        return float("nan")
    return float(text)


_Loader12.add_constructor("tag:yaml.org,2002:int", _int12)
_Loader12.add_constructor("tag:yaml.org,2002:float", _float12)


def load(text: str) -> Any:
    """``text`` read as magsim reads YAML (1.2 core schema)."""
    return yaml.load(text, Loader=_Loader12)  # noqa: S506 - a SafeLoader subclass


_NUMERIC_11 = ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp")
_FLOAT_TAG = "tag:yaml.org,2002:float"
_INT_TAG = "tag:yaml.org,2002:int"
_CLOCK = re.compile(r"^[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?$")  # quoted alike, base 60 or not


def _float_for_11(text: str) -> str:
    """A YAML 1.2 float such as ``1e-06`` written as the same number in a form YAML 1.1 reads
    as a float too (``1.0e-06``: 1.1 wants a dot in the mantissa and a signed exponent)."""
    r = repr(float(text))  # shortest text of the same double; exponents come signed
    mantissa, e, exponent = r.partition("e")
    if "." not in mantissa:
        mantissa += ".0"
    return mantissa + e + exponent


def for_pyyaml(text: str) -> str:
    """``text`` with every plain scalar that PyYAML (YAML 1.1) would read differently from
    magsim (YAML 1.2) made unambiguous: clock times and dates quoted (``12:30`` ->
    ``"12:30"``, and ``07:30`` alike), numbers written in a form both read the same
    (``1e-06`` -> ``1.0e-06``, ``010`` -> ``10``). Everything else, comments and layout included, is kept. Text PyYAML
    cannot parse is returned as it is."""
    r11 = yaml.SafeLoader("")
    r12 = _Loader12("")
    edits: List[Tuple[int, int, str]] = []
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            if not isinstance(event, yaml.ScalarEvent) or event.style is not None \
                    or event.tag is not None:
                continue
            start, end = event.start_mark.index, event.end_mark.index
            value = event.value
            if text[start:end] != value:  # a plain scalar folded over lines: never a number
                continue
            tag11 = r11.resolve(yaml.ScalarNode, value, (True, False))
            tag12 = r12.resolve(yaml.ScalarNode, value, (True, False))
            if tag12 in (_INT_TAG, _FLOAT_TAG):
                # A number to magsim: written so that YAML 1.1 reads the same number.
                number = load(value)
                text11 = str(number) if tag12 == _INT_TAG else _float_for_11(value)
                if text11 != value and yaml.load(text11, Loader=yaml.SafeLoader) == number:
                    edits.append((start, end, text11))
            elif tag11 in _NUMERIC_11 or _CLOCK.match(value):
                # Text to magsim (a clock time, a date): quoted.
                edits.append((start, end, json.dumps(value, ensure_ascii=False)))
    except yaml.YAMLError:
        return text
    for start, end, replacement in reversed(edits):
        text = text[:start] + replacement + text[end:]
    return text
