"""Code Coach: a learning coach for Python, served over the Language Server Protocol."""

__version__ = "0.1.0"
