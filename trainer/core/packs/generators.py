"""Test data generators: large test inputs written as small data, never as code.

A mapping with the key `$gen` anywhere in a test's `args` or `expected` is
replaced by the data it describes. Generators are deterministic, so a test
means the same thing on every machine and Python version.

    {$gen: range, start: 0, stop: 100000, step: 1}     -> [0, 1, ..., 99999]
    {$gen: repeat, value: X, count: N}                 -> [X, X, ... N times]
    {$gen: random_ints, count: N, low: A, high: B, seed: S}  -> N ints in [A, B]
    {$gen: concat, parts: [L1, L2, ...]}               -> L1 + L2 + ...
    {$gen: string, value: "ab", count: N}              -> "abab..." (value repeated N times)
"""

from __future__ import annotations

from typing import Any

GEN_KEY = "$gen"
MAX_ITEMS = 2_000_000
GENERATORS = ("range", "repeat", "random_ints", "concat", "string")


class GeneratorError(ValueError):
    """A `$gen` mapping that does not describe valid data."""


def has_generator(value: Any) -> bool:
    if isinstance(value, dict):
        return GEN_KEY in value or any(has_generator(v) for v in value.values())
    if isinstance(value, list):
        return any(has_generator(v) for v in value)
    return False


def expand(value: Any) -> Any:
    """Return `value` with every generator replaced by its data."""
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, dict):
        if GEN_KEY in value:
            return _generate(value)
        return {k: expand(v) for k, v in value.items()}
    return value


def _int(spec: dict[str, Any], key: str, default: int | None = None) -> int:
    value = spec.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise GeneratorError(f"'{key}' must be a whole number")
    return value


def _generate(spec: dict[str, Any]) -> Any:
    name = spec[GEN_KEY]
    allowed = {
        "range": {"start", "stop", "step"},
        "repeat": {"value", "count"},
        "random_ints": {"count", "low", "high", "seed"},
        "concat": {"parts"},
        "string": {"value", "count"},
    }
    if name not in allowed:
        raise GeneratorError(f"unknown generator {name!r}; one of: {', '.join(GENERATORS)}")
    extra = set(spec) - allowed[name] - {GEN_KEY}
    if extra:
        raise GeneratorError(f"unknown key(s) for {name}: {', '.join(sorted(extra))}")
    if name == "range":
        start, stop, step = _int(spec, "start", 0), _int(spec, "stop"), _int(spec, "step", 1)
        if step == 0:
            raise GeneratorError("'step' must not be 0")
        r = range(start, stop, step)
        _check_size(len(r))
        return list(r)
    if name == "repeat":
        count = _int(spec, "count")
        _check_size(count)
        item = expand(spec.get("value"))
        return [item for _ in range(count)]
    if name == "string":
        count = _int(spec, "count")
        text = spec.get("value")
        if not isinstance(text, str):
            raise GeneratorError("'value' must be text")
        _check_size(count * max(1, len(text)))
        return text * count
    if name == "random_ints":
        count, low, high = _int(spec, "count"), _int(spec, "low", 0), _int(spec, "high")
        seed = _int(spec, "seed", 1)
        if high < low:
            raise GeneratorError("'high' must be at least 'low'")
        _check_size(count)
        return _lcg_ints(count, low, high, seed)
    parts = spec.get("parts")
    if not isinstance(parts, list):
        raise GeneratorError("'parts' must be a list")
    out: list[Any] = []
    for part in parts:
        expanded = expand(part)
        if not isinstance(expanded, list):
            raise GeneratorError("every part of concat must be a list")
        out.extend(expanded)
        _check_size(len(out))
    return out


def _check_size(n: int) -> None:
    if n < 0 or n > MAX_ITEMS:
        raise GeneratorError(f"a generator may make at most {MAX_ITEMS:,} items")


def _lcg_ints(count: int, low: int, high: int, seed: int) -> list[int]:
    """PCG-like 64-bit LCG: stable across Python versions, unlike `random`'s helpers."""
    state = (seed * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
    span = high - low + 1
    out = []
    for _ in range(count):
        state = (state * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        out.append(low + ((state >> 33) % span))
    return out
