"""Shared by the functions through the layer (/opt/python on AWS)."""

MAX_ITEMS = 20
