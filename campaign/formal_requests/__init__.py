"""Formal requests (要請書): drafted item by item, approved by a second person, printed as a
Japanese formal document (print page, PDF, Word), answered item by item, followed up round by
round, and tied to the coercion cases behind them."""
