"""grcim.plugins: the science core and the estimator plug-ins.

Physics modules (formats, distributions, pipelines, sqnr, energy, technology) import only
numpy/scipy/ml_dtypes and ``grcim`` core modules; adapter modules (hwcomponents models,
classic Accelergy shim) may import the physics, never the other way round.
"""
