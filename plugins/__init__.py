"""grcim.plugins: the estimator plug-ins over the physics (``grcim.physics``).

``models``: hwcomponents component models (GR-MAC, conventional FP-CIM and integer MACs,
gain-ranging stage, exponent normalizer, ADC, DAC); ``accelergy``: the classic Accelergy
0.4 shim generated from them; ``tables``: ERT/ART tables of the models over attribute
grids (``grcim table``). Adapters import the physics, never the other way round.
"""
