"""careloc: translated health articles that are safe to publish."""

__version__ = "0.1.0"
