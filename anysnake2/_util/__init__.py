"""Small helpers shared across layers, each with one home (no heavy imports: the warm path
may load some of them)."""

__all__: list[str] = []
