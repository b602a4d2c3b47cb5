"""grcim.studies: applications of the physics and the models to published questions.

``paper``: the paper's two claims recomputed (``grcim paper``); ``calibration``: published
CIM macros configured from their papers and priced by grcim's models.
"""
