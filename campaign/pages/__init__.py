"""Public Q&A and rights pages that headquarters keeps current (issue 3)."""
