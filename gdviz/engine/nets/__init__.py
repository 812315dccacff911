"""Tiny networks you can watch learn: toy data, layers with hand-written backward
passes, an MLP objective, the 2-weight linear and logistic regressions, and
loss-landscape slices. Pure NumPy, vectorised over runs."""
