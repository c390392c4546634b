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

__all__ = ["FAST_CHECKS", "dsl_method", "located", "script_path", "user_frame"]

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep

F = TypeVar("F", bound=Callable[..., Any])

# A check for every annotation the DSL uses: one pass of isinstance, no typeguard. Each
# returns None when the value fits, else what is wrong in words (item by item for lists and
# mappings). typeguard runs only for an annotation missing here (a test keeps that empty).
Check = Callable[[Any], "str | None"]


def _describe(value: Any) -> str:
    if isinstance(value, str):
        return f"the string {value!r}"
    if value is None or isinstance(value, bool):
        return repr(value)
    return f"{type(value).__name__} {value!r}"


def _kind(types: type | tuple[type, ...], words: str, optional: bool = False) -> Check:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if isinstance(value, types):
            return None
        return f"expected {words}, got {_describe(value)}"

    return check


def _strings(optional: bool) -> Check:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if not isinstance(value, (list, tuple)):
            return f"expected a list of strings, got {_describe(value)}"
        for index, item in enumerate(value):
            if not isinstance(item, str):
                return f"item {index} must be a string, not {_describe(item)}"
        return None

    return check


def _is_package(value: Any) -> bool:
    from ..model import PythonPackage

    return isinstance(value, (str, Mapping, PythonPackage))


def _mapping(item_ok: Callable[[Any], bool], words: str, optional: bool) -> Check:
    def check(value: Any) -> str | None:
        if optional and value is None:
            return None
        if not isinstance(value, Mapping):
            return f"expected a dict, got {_describe(value)}"
        for key, item in value.items():
            if not isinstance(key, str):
                return f"the key {key!r} must be a string"
            if not item_ok(item):
                return f"the value of {key!r} must be {words}, not {_describe(item)}"
        return None

    return check


def _literal(*choices: str) -> Check:
    def check(value: Any) -> str | None:
        if value is None or value in choices:
            return None
        return f"expected one of {', '.join(map(repr, choices))}, got {_describe(value)}"

    return check


def _slurm_table(value: Any) -> str | None:
    from ..model_slurm import Slurm

    if value is None or isinstance(value, Slurm):
        return None
    if not isinstance(value, Mapping):
        return f"expected a dict of [slurm] keys or a Slurm, got {_describe(value)}"
    bad = next((key for key in value if not isinstance(key, str)), None)
    return None if bad is None else f"the key {bad!r} must be a string"


def _optional_int(value: Any) -> str | None:
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return None
    return f"expected a whole number, got {_describe(value)}"


def _callable(value: Any) -> str | None:
    return None if callable(value) else f"expected a function, got {_describe(value)}"


_PACKAGE_WORDS = "a version string, a dict of options or a PythonPackage"
_FAST: dict[str, Check] = {
    "str": _kind(str, "a string"),
    "str | None": _kind(str, "a string", optional=True),
    "bool": _kind(bool, "True or False"),
    "bool | None": _kind(bool, "True or False", optional=True),
    "int | None": _optional_int,
    "str | bool | None": _kind((str, bool), "a string or True/False", optional=True),
    "Sequence[str] | None": _strings(optional=True),
    "Mapping[str, str] | None": _mapping(lambda v: isinstance(v, str), "a string", True),
    "Mapping[str, PackageSpec]": _mapping(_is_package, _PACKAGE_WORDS, False),
    "Mapping[str, PackageSpec] | None": _mapping(_is_package, _PACKAGE_WORDS, True),
    "Callable[[Project], Project]": _callable,
    "Mapping[str, Any] | m.Slurm | None": _slurm_table,
    "Literal['sif', 'rootfs'] | None": _literal("sif", "rootfs"),
    "Literal['apptainer', 'singularity', 'bwrap'] | None": _literal(
        "apptainer", "singularity", "bwrap"
    ),
}

FAST_CHECKS = _FAST  # read by the test that every DSL annotation has one


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
        kinds = inspect.Parameter
        parameters = list(self.signature.parameters.values())
        self.positional = [
            p.name
            for p in parameters
            if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
        ]
        self.by_keyword = {
            p.name
            for p in parameters
            if p.kind in (kinds.POSITIONAL_OR_KEYWORD, kinds.KEYWORD_ONLY)
        }
        self.required = {
            p.name
            for p in parameters
            if p.default is kinds.empty and p.kind not in (kinds.VAR_POSITIONAL, kinds.VAR_KEYWORD)
        }
        self.var_keyword = next((p.name for p in parameters if p.kind is kinds.VAR_KEYWORD), None)

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
        """Argument name -> value, as `Signature.bind` gives it (which is ~3x slower: it
        only runs to explain a call that does not fit, raising its TypeError)."""
        if len(args) <= len(self.positional):
            arguments = dict(zip(self.positional, args))
            extra: dict[str, Any] = {}
            for key, value in kwargs.items():
                if key in self.by_keyword and key not in arguments:
                    arguments[key] = value
                elif self.var_keyword is not None and key not in self.by_keyword:
                    extra[key] = value
                else:
                    break
            else:
                if self.required.issubset(arguments):
                    if self.var_keyword is not None:
                        arguments[self.var_keyword] = extra
                    return arguments
        return dict(self.signature.bind(*args, **kwargs).arguments)

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

    def check(self, call: str, arguments: dict[str, Any]) -> None:
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
    if fast is not None:
        problem = fast(value)
        if problem is None:
            return
        raise ConfigError(f"{call}: argument {name!r} has the wrong type: {problem}")
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
                bound = checker.bind(args, kwargs)
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
