"""Notebook helpers: IPython magics and the lessons' architecture pictures."""
