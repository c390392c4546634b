"""TOML <-> model: read our format and the original's 1.x/2.x files, write canonical TOML.

Import the submodules directly (`toml_compat.reader`, `toml_compat.writer`, `record` and
`pin_marks` for pins written back into a file, `strings` for TOML string spelling, `lines`
for a key's line); this package imports nothing so that
`import anysnake2.toml_compat.clone_regexps` stays cheap.
"""

__all__: list[str] = []
