"""Names shared by the model and the warm path (no imports: the warm path loads this)."""

__all__ = ["RESERVED_COMMANDS"]

# Built-in commands of the CLI: a [cmd.<name>] may not take one of these names.
RESERVED_COMMANDS = (
    "attach",
    "build",
    "check",
    "completion",
    "config",
    "convert",
    "develop",
    "help",
    "lock",
    "run",
    "upgrade",
    "version",
)
