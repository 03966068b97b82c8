"""Haystack filters -> qdrant-edge Filters (pure translation, the same semantics as qdrant-haystack's).

Comparison: `==`, `!=`, `in`, `not in`, `>`, `>=`, `<`, `<=` (numbers, or ISO dates as strings);
logic: `AND`, `OR`, `NOT` (none of the nested conditions). A field that holds a list (`meta.forms`)
matches `==`/`in` when any of its values does, as in Qdrant.
"""

from __future__ import annotations

from typing import Any

from haystack.errors import FilterError

COMPARISONS = ("==", "!=", "in", "not in", ">", ">=", "<", "<=")
LOGICAL = ("AND", "OR", "NOT")
_RANGE_KEYS = {">": "gt", ">=": "gte", "<": "lt", "<=": "lte"}


def to_edge_filter(filters: dict[str, Any] | None) -> Any:
    """The qdrant_edge.Filter for a Haystack filter dict (None for no filter)."""
    from qdrant_edge import Filter

    if not filters:
        return None
    condition = _condition(filters)
    return condition if isinstance(condition, Filter) else Filter(must=[condition])


def _condition(item: dict[str, Any]) -> Any:
    from qdrant_edge import Filter

    operator = item.get("operator")
    if operator in LOGICAL:
        parts = [_condition(c) for c in item.get("conditions") or []]
        if not parts:
            raise FilterError(f"'{operator}' needs at least one condition")
        if operator == "AND":
            return Filter(must=parts)
        if operator == "OR":
            return Filter(should=parts)
        return Filter(must_not=parts)
    if operator not in COMPARISONS:
        raise FilterError(f"unknown filter operator {operator!r}; allowed: {', '.join(COMPARISONS + LOGICAL)}")
    field = item.get("field")
    if not isinstance(field, str) or not field:
        raise FilterError(f"comparison {operator!r} needs a 'field'")
    return _comparison(field, operator, item.get("value"))


def _comparison(field: str, operator: str, value: Any) -> Any:
    from qdrant_edge import FieldCondition, Filter, MatchAny, MatchValue, RangeDateTime, RangeFloat

    if operator in ("==", "!="):
        if value is None:
            from qdrant_edge import IsNullCondition

            null = IsNullCondition(field)
            return null if operator == "==" else Filter(must_not=[null])
        match = FieldCondition(field, match=MatchValue(_scalar(value, operator)))
        return match if operator == "==" else Filter(must_not=[match])
    if operator in ("in", "not in"):
        if not isinstance(value, list) or not value:
            raise FilterError(f"'{operator}' needs a non-empty list value for {field}")
        values: Any = [_scalar(v, operator) for v in value]  # all text or all whole numbers
        match = FieldCondition(field, match=MatchAny(values))
        return match if operator == "in" else Filter(must_not=[match])
    key = _RANGE_KEYS[operator]
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise FilterError(f"'{operator}' needs a number or an ISO date for {field}, got {value!r}")
    if isinstance(value, str):
        return FieldCondition(field, range=RangeDateTime(**{key: value}))
    return FieldCondition(field, range=RangeFloat(**{key: float(value)}))


def _scalar(value: Any, operator: str) -> str | int | bool:
    if isinstance(value, bool | int | str):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    raise FilterError(f"'{operator}' compares text, whole numbers or booleans, got {value!r}")
