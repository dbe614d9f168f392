"""Optimisation solvers as pure functions from NumPy arrays to results (no Django here).

    assign(...)             reviewer assignment, exact (kikin.solvers.assignment)
    choose_adoptions(...)   budget-constrained adoption, exact, with pooled caps (Pool)
                            (kikin.solvers.adoption)

The submodules are imported on first use, so `import kikin.solvers` loads neither OR-Tools nor
SciPy's optimisers.
"""

from importlib import import_module

_EXPORTS = {
    "assign": "kikin.solvers.assignment",
    "Assignment": "kikin.solvers.assignment",
    "AssignmentInfeasible": "kikin.solvers.assignment",
    "SCORE_SCALE": "kikin.solvers.assignment",
    "choose_adoptions": "kikin.solvers.adoption",
    "Adoption": "kikin.solvers.adoption",
    "AdoptionInfeasible": "kikin.solvers.adoption",
    "AdoptionError": "kikin.solvers.adoption",
    "Pool": "kikin.solvers.adoption",
}

__all__ = list(_EXPORTS)  # names resolved lazily by __getattr__


def __getattr__(name):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'kikin.solvers' has no attribute {name!r}")
