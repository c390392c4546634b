"""The jinja2 environment of the renderer: templates in `templates/`, the Nix printer as
filters (`nix`, `quote`, `attr`, `shell`), undefined names an error.

jinja2 is imported on the first render only (never on the warm path), and the environment
and its compiled templates are kept for the rest of the process.
"""

from __future__ import annotations

import shlex
from functools import cache
from typing import TYPE_CHECKING

from .nix import attr_name, quote, render

if TYPE_CHECKING:
    from jinja2 import Environment

__all__ = ["environment", "render_template"]


@cache
def environment() -> Environment:
    """The one jinja2 environment of this process (made on first use)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("anysnake2.render", "templates"),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the output is Nix, escaped by the filters
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
    )

    def nix(value: object, indent: int = 0) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined: raises UndefinedError naming the missing value
        return render(value, indent)

    env.filters.update(nix=nix, quote=quote, attr=attr_name, shell=shlex.quote)
    return env


def render_template(name: str, **values: object) -> str:
    """Template `name` of `templates/` filled in with `values`."""
    return environment().get_template(name).render(**values)
