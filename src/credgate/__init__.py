"""credgate: a secret-leak gate for git."""

__version__ = "0.1.0"
