"""监管: credit grades, 双随机一公开 draws, the inspection gate and quiet days, tolerance lists, fee checks."""

# The modules other packages (the demo loader, later the indicators) may call: each is one part of the
# service — credit, plans and draws, the gate, findings, tolerance lists, fee checks.
__all__ = ["credit", "fees", "findings", "gate", "plans", "tolerance"]
