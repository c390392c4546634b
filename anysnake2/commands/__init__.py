"""Built-in commands: each module has `main(ctx, args) -> int` (see cli.BUILTINS)."""
