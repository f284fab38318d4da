"""Pure-Python domain layer: captures, the store, vendors, validation, formats.

Nothing here imports Qt, aiohttp or pyngrok (an import-linter contract and a test keep it so).
"""
