"""gdviz: an interactive gradient descent visualiser."""

__version__ = "0.1.0"
