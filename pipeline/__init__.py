"""careloc: translated health articles that are safe to publish."""

__all__ = ["__version__"]

__version__ = "0.1.0"
