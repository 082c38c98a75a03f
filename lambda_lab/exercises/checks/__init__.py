"""One module of check functions per lesson. A check is ``check(ctx) -> str`` (see context.py)."""
