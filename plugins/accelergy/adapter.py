"""Accelergy attributes -> a grcim hwcomponents model: what the generated shim calls.

The shim (``grcim_estimators.py``, generated) passes the attributes Accelergy matched to
its parameters; this module turns them into the model's keyword arguments and builds the
model. Every grcim model takes Accelergy's ``technology`` itself (a node name or size, or
a technology file; with a differing ``tech_node`` too, that technology scaled to it:
docs/plugins.md), so it is passed as given; the translation of ``technology`` into
``tech_node`` below serves only a model without a ``technology`` parameter. A node the
models cannot serve is reported under the name the user wrote (``technology = 65: ...``).
``grcim validate`` uses the same functions, so it accepts exactly what the shim accepts.
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

from grcim.errors import ModelDomainError

if TYPE_CHECKING:  # the models (and hwcomponents) are imported on first use
    from hwcomponents import ComponentModel

__all__ = ["model_class", "model_parameters", "model_arguments", "build_model",
           "technology_to_metres", "TECHNOLOGY"]

TECHNOLOGY = "technology"
"""Accelergy's name for the technology node."""


def model_class(name: str) -> type[ComponentModel]:
    """The model class ``grcim.plugins.models.<name>``."""
    from grcim.plugins import models

    return getattr(models, name)


def model_parameters(model: type[ComponentModel]) -> dict[str, Any]:
    """A model's attribute names and defaults (``inspect.Parameter.empty`` if required)."""
    params = list(inspect.signature(model.__init__).parameters.values())[1:]
    return {p.name: p.default for p in params}


def technology_to_metres(value: Any) -> float:
    """Accelergy's ``technology`` in metres: ``"22nm"`` or a number (>= 1: nm, else m), read
    by the models' own rule (:func:`grcim.plugins.models.technode.technology_size_m`)."""
    from grcim.plugins.models.technode import technology_size_m

    size = technology_size_m(value)
    if size is None:
        raise ModelDomainError(TECHNOLOGY, value, 'a node such as "22nm", 22 (nm) or 22e-9 '
                               "(m)")
    return size


def model_arguments(model: type[ComponentModel], attrs: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of ``model`` for the Accelergy attributes ``attrs``.

    Attributes the model does not take are dropped (Accelergy passes many, such as
    ``global_cycle_seconds``); ``technology`` is passed as given (see the module).
    """
    params = model_parameters(model)
    kwargs = {k: v for k, v in attrs.items() if k in params}
    technology = attrs.get(TECHNOLOGY)
    if technology is not None and _translates_technology(model):
        kwargs["tech_node"] = technology_to_metres(technology)
    return kwargs


def _translates_technology(model: type[ComponentModel]) -> bool:
    """A model with ``tech_node`` but no ``technology`` (none of grcim's today; a model
    added later may be one) gets Accelergy's ``technology`` as ``tech_node``."""
    params = model_parameters(model)
    return TECHNOLOGY not in params and "tech_node" in params


def build_model(name: str, attrs: dict[str, Any]) -> Any:
    """Build ``grcim.plugins.models.<name>`` from Accelergy attributes.

    Raises
    ------
    grcim.errors.ModelDomainError
        An attribute outside the model's domain, named as the user wrote it.
    TypeError
        A required attribute is missing.
    """
    model = model_class(name)
    kwargs = model_arguments(model, attrs)
    try:
        return model(**kwargs)
    except ModelDomainError as exc:
        technology = attrs.get(TECHNOLOGY)
        if (exc.item == "tech_node" and technology is not None
                and _translates_technology(model)):
            raise ModelDomainError(
                TECHNOLOGY, technology,
                f"becomes tech_node = {kwargs['tech_node']:g} m, which grcim's models do not "
                f"serve: {exc.allowed}") from None
        raise
