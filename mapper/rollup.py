"""Roll-up of per-action energies into a result's breakdowns, shared by both engines.

Both the analytic engine (counts x prices, leakage = power x step latency) and the
AccelForge engine (its per-action energies) hand over energies keyed by ``(node, action)``;
the breakdowns by component and by ``node.action`` are built here, so they conserve energy
the same way: each sums to the step energy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["by_component_and_action"]


def by_component_and_action(
    energy_j: Mapping[tuple[str, str], float], leak_j: Mapping[str, float] | None = None,
    components: Iterable[str] = (),
) -> tuple[dict[str, float], dict[str, float]]:
    """Energy by component and by ``"node.action"``, J.

    Parameters
    ----------
    energy_j : mapping (node, action) -> J
        Energy of every action (each key kept in ``by_action``, zero or not).
    leak_j : mapping node -> J, optional
        Leakage energy of each node over the step; a non-zero one becomes the
        ``"node.leak"`` entry after the actions.
    components : iterable of str
        Nodes listed first in ``by_component`` (with 0 J when nothing charges them), in
        this order; other nodes follow as they appear.
    """
    by_component: dict[str, float] = dict.fromkeys(components, 0.0)
    by_action: dict[str, float] = {}
    for (node, action), e in energy_j.items():
        by_component[node] = by_component.get(node, 0.0) + float(e)
        by_action[f"{node}.{action}"] = float(e)
    for node, e in (leak_j or {}).items():
        by_component[node] = by_component.get(node, 0.0) + e
        if e:
            by_action[f"{node}.leak"] = e
    return by_component, by_action
