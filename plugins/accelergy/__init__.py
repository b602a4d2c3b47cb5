"""Classic Accelergy 0.4 plug-in of grcim: ``grcim_estimators.py`` + ``grcim.estimator.yaml``.

Accelergy loads the shim by file path (never as ``grcim.plugins.accelergy``); a regular
``pip install`` also places both files under ``share/accelergy/estimation_plug_ins/grcim/``.
``grcim plugins`` prints where they are.
"""
