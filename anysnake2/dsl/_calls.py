"""Checks at the DSL call: argument binding, types (typeguard) and the user's line.

Every public method of `dsl.Project` is wrapped by `dsl_method`. A mistake anywhere below
(a wrong keyword, a wrong type, a value the model refuses) becomes a `ConfigError` that
names the call (`Project.python(...)`) and the user's file and line: the first frame on the
stack outside the anysnake2 package.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import AnysnakeError, ConfigError

__all__ = ["dsl_method", "located", "script_path", "user_frame"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

F = TypeVar("F", bound=Callable[..., Any])

# Fast checks for the annotations the DSL uses: one pass of isinstance, no typeguard.
# typeguard runs only when a fast check fails (for its precise message) or for an
# annotation without a fast check.


def _is_strings(value: Any) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _is_str_map(value: Any) -> bool:
    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    )


def _is_package_map(value: Any) -> bool:
    from ..model import PythonPackage

    return isinstance(value, Mapping) and all(
        isinstance(k, str) and isinstance(v, (str, Mapping, PythonPackage))
        for k, v in value.items()
    )


_FAST: dict[str, Callable[[Any], bool]] = {
    "str": lambda v: isinstance(v, str),
    "str | None": lambda v: v is None or isinstance(v, str),
    "bool": lambda v: isinstance(v, bool),
    "bool | None": lambda v: v is None or isinstance(v, bool),
    "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
    "str | bool | None": lambda v: v is None or isinstance(v, (str, bool)),
    "Sequence[str] | None": lambda v: v is None or _is_strings(v),
    "Mapping[str, str] | None": lambda v: v is None or _is_str_map(v),
    "Mapping[str, PackageSpec]": _is_package_map,
    "Mapping[str, PackageSpec] | None": lambda v: v is None or _is_package_map(v),
    "Callable[[Project], Project]": callable,
}


def user_frame() -> tuple[str | None, int | None]:
    """File and line of the innermost frame outside the anysnake2 package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return None, None
    return frame.f_code.co_filename, frame.f_lineno


def located(error: AnysnakeError, call: str) -> AnysnakeError:
    """`error` prefixed with the DSL call and located at the user's line (once)."""
    if getattr(error, "_dsl_located", False):
        return error
    if not error.message.startswith("Project."):
        error.message = f"{call}: {error.message}"
        error.args = (error.message,)
    if error.file is None:
        error.file, error.line = user_frame()
    error._dsl_located = True  # type: ignore[attr-defined]
    return error


class _Checker:
    """Per method: the signature and its resolved annotations, computed on first use."""

    def __init__(self, func: Callable[..., Any]) -> None:
        self.func = func
        self.signature = inspect.signature(func)
        self.checks: list[tuple[str, inspect.Parameter, Any]] | None = None

    def prepare(self) -> list[tuple[str, inspect.Parameter, Any]]:
        if self.checks is None:
            from typing import get_type_hints

            hints = get_type_hints(self.func)
            checks = []
            for name, parameter in self.signature.parameters.items():
                if name == "self" or name not in hints:
                    continue
                annotation = parameter.annotation
                fast = _FAST.get(annotation) if isinstance(annotation, str) else None
                checks.append((name, parameter, (fast, hints[name])))
            self.checks = checks
        return self.checks

    def check(self, call: str, bound: inspect.BoundArguments) -> None:
        arguments = bound.arguments
        for name, parameter, expected in self.prepare():
            if name not in arguments:
                continue
            value = arguments[name]
            if value is parameter.default and value is None:
                continue
            if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                for key, item in value.items():
                    _check_value(call, key, item, expected)
                continue
            _check_value(call, name, value, expected)


def _check_value(call: str, name: str, value: Any, expected: Any) -> None:
    fast, hint = expected
    if fast is not None and fast(value):
        return
    from typing import Union, get_args

    from typeguard import CollectionCheckStrategy, TypeCheckError, check_type

    options = [arg for arg in get_args(hint) if arg is not type(None)]
    if value is not None and len(options) < len(get_args(hint)):
        hint = Union[tuple(options)] if len(options) > 1 else options[0]  # noqa: UP007
    try:
        check_type(value, hint, collection_check_strategy=CollectionCheckStrategy.ALL_ITEMS)
    except TypeCheckError as error:
        raise ConfigError(
            f"{call}: argument {name!r} has the wrong type: {error} (got {value!r})"
        ) from None


def dsl_method(func: F) -> F:
    """Wrap a builder method: bind and type-check the call, locate every error."""
    checker = _Checker(func)
    name = func.__name__

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        call = f"Project.{name}()"
        try:
            try:
                bound = checker.signature.bind(*args, **kwargs)
            except TypeError as error:
                raise ConfigError(f"{call}: {error}") from None
            checker.check(call, bound)
            return func(*args, **kwargs)
        except AnysnakeError as error:
            raise located(error, call) from None

    return wrapper  # type: ignore[return-value]


def script_path() -> Path:
    """The file of the innermost caller outside the package (the user's script)."""
    file, _ = user_frame()
    if file is None or file.startswith("<"):
        main = sys.modules.get("__main__")
        file = getattr(main, "__file__", None)
    if file is None:
        raise ConfigError(
            "project.main() needs to be called from a script file",
            hint="save the project as anysnake2.py and run 'python anysnake2.py ...'",
        )
    return Path(file)
