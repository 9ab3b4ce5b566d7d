"""careloc test suite."""
