"""Pure NumPy engine: surfaces, optimizers, runs. Knows nothing of the web."""
