"""Shell completion: the scripts `anysnake2 completion bash|zsh|fish` prints, and the
answer to one TAB (`anysnake2 __complete CWORD WORDS...`, one candidate per line).

A TAB must be quick: this module imports only `os` and `re` (it runs before the CLI is
imported, see `_fast.main`) and takes the project's `[cmd.*]` names from the raw text of
the config, never from the model.
"""

from __future__ import annotations

import re

from ._discover import config_path

__all__ = ["COMMAND_OPTIONS", "GLOBAL_OPTIONS", "candidates", "main", "project_commands", "script"]

#: Global options; those taking a value complete files (-c) or levels (-v) next.
GLOBAL_OPTIONS = ("--config", "--help", "--locked", "--no-version-switch", "--offline", "--verbose")
_VALUE_OPTIONS = ("-c", "--config", "-v", "--verbose")
#: Built-in command -> the words that may follow it (its options, targets, arguments).
COMMAND_OPTIONS: dict[str, tuple[str, ...]] = {
    "attach": (),
    "build": ("editables", "flake", "oci", "rootfs", "sif", "--json"),
    "check": ("--json",),
    "completion": ("bash", "zsh", "fish"),
    "config": ("minimal", "basic", "full", "--format"),
    "convert": ("--to", "--output", "--force"),
    "develop": ("-c",),
    "help": (),  # filled with the command names below
    "jobs": ("--logs",),
    "kernel": ("install", "list", "remove", "--name", "--user", "--sys-prefix"),
    "lock": ("--upgrade", "--force", "--json"),
    "run": ("--",),
    "submit": ("--dry-run", "--build", "--array", "--after", "--sbatch-option"),
    "version": ("--json",),
}
_FOLLOWERS = {"--to": ("python", "toml"), "--format": ("toml", "python")}
_FOLLOWERS |= {"-v": ("0", "1", "2", "3"), "--verbose": ("0", "1", "2", "3")}

_TOML_CMD = re.compile(
    r"""^[ \t]*\[[ \t]*cmd[ \t]*\.[ \t]*(["']?)([^\]"'.\s]+)\1[ \t]*\]""", re.MULTILINE
)
_PY_CMD = re.compile(r"""\.cmd\(\s*(?:name\s*=\s*)?["']([^"']+)["']""")


def project_commands(config: str | None) -> list[str]:
    """The `[cmd.NAME]` names of the config file (TOML tables or DSL `.cmd("NAME", ...)`)."""
    if config is None:
        return []
    try:
        with open(config, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        return []
    if config.endswith(".py"):
        return sorted(set(_PY_CMD.findall(text)))
    return sorted({match[1] for match in _TOML_CMD.findall(text)})


def candidates(words: list[str], cword: int) -> list[str]:
    """What may stand at `words[cword]` (words[0] is the program); the shell filters."""
    explicit = None
    command = None
    index = 1
    while index < cword:
        word = words[index]
        if command is None and word in _VALUE_OPTIONS:
            if word in ("-c", "--config") and index + 1 < cword:
                explicit = words[index + 1]
            index += 2
            continue
        if command is None and not word.startswith("-"):
            command = word
        index += 1
    previous = words[cword - 1] if cword >= 1 else ""
    if previous in _FOLLOWERS:
        return list(_FOLLOWERS[previous])
    if previous in ("-c", "--config", "-o", "--output") and (command != "develop"):
        return []  # a file: the shell's own completion
    if command is None:
        names = [*COMMAND_OPTIONS, *project_commands(config_path(explicit))]
        return sorted(set(names)) + list(GLOBAL_OPTIONS)
    if command == "help":
        return sorted(COMMAND_OPTIONS)
    if command == "run" and "--" in words[1:cword]:
        return []
    if command in COMMAND_OPTIONS:
        return [*COMMAND_OPTIONS[command], *GLOBAL_OPTIONS]
    return []  # a project command's arguments are its own


_BASH = """\
# anysnake2 completion for bash: eval "$(anysnake2 completion bash)"
_anysnake2() {
    local IFS=$'\\n'
    local words
    words=$(command anysnake2 __complete "$COMP_CWORD" "${COMP_WORDS[@]}" 2>/dev/null)
    COMPREPLY=($(compgen -W "$words" -- "${COMP_WORDS[COMP_CWORD]}"))
}
complete -o default -F _anysnake2 anysnake2
"""
_ZSH = """\
#compdef anysnake2
# anysnake2 completion for zsh: eval "$(anysnake2 completion zsh)"
_anysnake2() {
    local -a found
    found=("${(@f)$(command anysnake2 __complete $((CURRENT - 1)) "${words[@]}" 2>/dev/null)}")
    if [[ -n "${found[*]}" ]]; then compadd -- "${found[@]}"; else _files; fi
}
compdef _anysnake2 anysnake2
"""
_FISH = """\
# anysnake2 completion for fish: anysnake2 completion fish | source
function __anysnake2_complete
    set -l words (commandline -opc) (commandline -ct)
    command anysnake2 __complete (math (count $words) - 1) $words 2>/dev/null
end
complete -c anysnake2 -a '(__anysnake2_complete)'
"""
SCRIPTS = {"bash": _BASH, "zsh": _ZSH, "fish": _FISH}


def script(shell: str) -> str | None:
    """The completion script for `shell`, or None for a shell without one."""
    return SCRIPTS.get(shell)


def main(args: list[str]) -> int:
    """`__complete CWORD WORDS...`: print the candidates, one a line; never fails loudly."""
    try:
        cword = int(args[0])
        words = list(args[1:])
        while len(words) <= cword:
            words.append("")
        for word in candidates(words, cword):
            print(word)
    except (IndexError, ValueError):
        return 0
    return 0
