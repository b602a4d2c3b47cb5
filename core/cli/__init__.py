"""The ``grcim`` command: one module per command group, each with ``register(subparsers)``.

Only this package prints for the user and writes output files; it catches ``GrcimError``
and exits non-zero with one line.
"""
