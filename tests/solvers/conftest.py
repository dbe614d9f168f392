"""The solver tests are pure NumPy: no database, no Django settings needed."""
