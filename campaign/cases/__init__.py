"""Coercion case reports: branches log what happened, headquarters sees the national picture."""
