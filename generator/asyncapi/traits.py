"""Operation and message traits, merged with each version's own rule.

AsyncAPI 2.x applies traits as JSON Merge Patches in order, so a trait *overrides* the
target. AsyncAPI 3.x also merges them, but "a property on a trait MUST NOT override the
same property on the target": the target wins.
"""

from __future__ import annotations

from typing import Any


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON Merge Patch (``null`` removes a member)."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


def apply_traits(obj: dict[str, Any], traits: list[dict[str, Any]], major: int) -> dict[str, Any]:
    """``obj`` with its (already resolved) ``traits`` merged in, without the ``traits`` key."""
    result = {k: v for k, v in obj.items() if k != "traits"}
    if major == 2:
        for trait in traits:
            result = merge_patch(result, trait)
        return result
    base: dict[str, Any] = {}
    for trait in traits:
        base = merge_patch(base, trait)
    merged: dict[str, Any] = merge_patch(base, result)
    return merged
