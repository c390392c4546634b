"""Per-command help: what each built-in does, its options and an example.

`anysnake2 CMD --help`, `anysnake2 CMD -h` and `anysnake2 help CMD` print `USAGE[CMD]`
followed by the global options (which are accepted before or after the command's name).
Plain text, no imports: printing help must not cost more than printing the version.
"""

from __future__ import annotations

__all__ = ["USAGE", "command_help"]

USAGE: dict[str, str] = {
    "attach": """\
usage: anysnake2 attach

Reattach to a running dtach session of this project (started in a terminal, detached
with Ctrl-\\). One session: reattach at once; several: choose one by number. When the
command ends while attached, its exit status is anysnake2's. No session: exit 1.

example:
  anysnake2 attach
""",
    "build": """\
usage: anysnake2 build flake|rootfs|oci|sif [--json]
       anysnake2 build editables [NAME...] [--json]

Build a part of the environment (only what changed):
  flake      write .anysnake2_flake/flake.nix (no nix build)
  rootfs     build .anysnake2_flake/result/rootfs with nix
  oci        write the OCI image archive .anysnake2_flake/result-oci.tar
  sif        convert the OCI image to .anysnake2_flake/result.sif (apptainer)
  editables  build the C extensions of editable packages (NAME..., else all) in place,
             in the container: setuptools' build_ext --inplace in the checkout (only
             changed sources are recompiled). Needs a compiler in the rootfs, e.g.
             packages = ["gcc"] in [nixpkgs] (exit 69 without); exit 70 with the end of
             the build's output when it fails

options:
  --json   print one JSON document (target, paths, warnings) on stdout

example:
  anysnake2 build rootfs
  anysnake2 build editables mypkg
""",
    "check": """\
usage: anysnake2 check [--json]

Read and validate the config and print a normalized summary (pins, Python, commands,
what is still open). Exit 65 with file and line when the config is wrong; with --locked
also when a value is not recorded yet or the Python lock is not current. Nothing is
resolved, built or written.

options:
  --json   print one JSON document (pins, open values, warnings) on stdout

example:
  anysnake2 --locked check
""",
    "completion": """\
usage: anysnake2 completion bash|zsh|fish

Print a shell completion script: built-in commands, the project's [cmd.*] names and
the options. Completing reads the config's raw text, it does not load the project.

example:
  eval "$(anysnake2 completion bash)"        # in ~/.bashrc
  anysnake2 completion fish > ~/.config/fish/completions/anysnake2.fish
""",
    "config": """\
usage: anysnake2 config minimal|basic|full [--format toml|python]

Print an example config (needs no project): minimal, basic or full (every key,
explained). --format python prints the same as an anysnake2.py.

example:
  anysnake2 config basic > anysnake2.toml
""",
    "convert": """\
usage: anysnake2 convert --to python|toml [-o FILE] [--force]

Print the project's config in the other format, or write it to FILE.

options:
  --to python|toml   the format to write
  -o, --output FILE  write FILE instead of printing (relative to the current folder)
  -f, --force        replace FILE when it exists

example:
  anysnake2 convert --to python -o anysnake2.py
""",
    "develop": """\
usage: anysnake2 develop [-c CMD [ARGS...]]

Open [dev_shell] shell (default bash) outside the container, with the project's tools
(the rootfs' bin/ and [dev_shell] inputs) on PATH: `nix develop` on the project's flake,
in the project root. Builds first when something changed.

options:
  -c CMD [ARGS...]   run CMD with ARGS instead of an interactive shell and return its
                     status; a single CMD with spaces is a shell command line. A CMD
                     that is not there exits 69. (The global -c FILE goes before
                     'develop' here: after it, -c is this option.)

example:
  anysnake2 develop -c python --version
  anysnake2 develop -c 'hello | wc -l'
""",
    "help": """\
usage: anysnake2 help [COMMAND]

Without COMMAND: the global options and the list of commands. With a built-in: its
help (the same as `anysnake2 COMMAND --help`). With a [cmd.NAME] of the project: what
it runs and which hooks it has.

example:
  anysnake2 help develop
""",
    "lock": """\
usage: anysnake2 lock [--upgrade [NAME...] [--force]] [--json]

Resolve and record every pin without building: tags, branches and missing values
become exact revisions in anysnake2.toml (or anysnake2.lock.toml beside an
anysnake2.py), then the Python lock anysnake2.uv.lock is made or reused.

options:
  --upgrade [NAME...]   resolve recorded pins again: the named ones (nixpkgs,
                        flakes.hello, python.ecosystem_date, ...), all without names
  --force               with --upgrade: also replace a value written by hand (TOML only)
  --json                print one JSON document (pins, lock file) on stdout

example:
  anysnake2 lock --upgrade nixpkgs
""",
    "jobs": """\
usage: anysnake2 jobs [--logs JOBID]

List this project's Slurm jobs (found by their job name) with state and exit status,
from sacct where accounting is on, else from scontrol. --logs prints a job's (or an
array task's, JOBID_N) output file from .anysnake2_flake/slurm/logs/.

example:
  anysnake2 jobs --logs 1234_3
""",
    "kernel": """\
usage: anysnake2 kernel install [--name NAME] [--display-name TEXT] [--language python|R]
                                [--user|--sys-prefix]
       anysnake2 kernel list
       anysnake2 kernel remove [--name NAME] [--user|--sys-prefix]

A Jupyter kernelspec on the host that starts the project's Python (or R) through the
container, so a JupyterHub or a host JupyterLab runs notebooks in this environment.
remove never touches a kernelspec anysnake2 did not write.

example:
  anysnake2 kernel install --user --name my-analysis
""",
    "run": """\
usage: anysnake2 run [OPTIONS] -- ARGV...

Run ARGV in the container, unchanged (no shell joins the words, no hooks). Builds
first when something changed. Everything after `--` belongs to the command:
`anysnake2 run -- python --help` shows python's help.

example:
  anysnake2 run -- python -c 'import sys; print(sys.version)'
""",
    "submit": """\
usage: anysnake2 submit [--dry-run] [--build] [--array FILE|RANGE] [--after JOBID]
                        [--sbatch-option OPT]... CMD [ARGS...]

Run [cmd.CMD] as a Slurm job (sbatch) with its [slurm] and [cmd.CMD.slurm] settings.
Everything must be pinned and built first (a compute node resolves and builds
nothing): exit 65 otherwise. Prints the job id. Words after CMD are the job's "$@".

options:
  --dry-run             print the batch script, submit nothing
  --build               build what is not current first (from recorded pins only)
  --array FILE|RANGE    one task per line of FILE (the line is the task's "$@"),
                        or a range such as 1-100
  --after JOBID         start when that job has finished successfully
  --sbatch-option OPT   passed to sbatch as it is (repeatable)

example:
  anysnake2 submit --array samples.txt align
""",
    "version": """\
usage: anysnake2 version [--json]

Print the version of anysnake2 (needs no project).

options:
  --json   print {"version": ...} on stdout

example:
  anysnake2 version
""",
}


def command_help(name: str) -> str | None:
    """The help text of built-in `name` with the global options, or None when unknown."""
    text = USAGE.get(name)
    if text is None:
        return None
    from ..cli import GLOBAL_OPTIONS

    return f"{text}\n{GLOBAL_OPTIONS}"
