"""PySide6 desktop window. Talks to the rest only through the core's events and services."""
