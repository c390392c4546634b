"""`Project`: the fluent, immutable builder over `model.Project`.

Every method returns a new `Project` (copy on write, `dataclasses.replace`); the one it was
called on never changes, so a base project can be forked any number of ways. Method and
argument names are the TOML section and key names. Adding to a collection (packages, env,
volumes, clones, ...) adds; `replace=True` where offered starts the section afresh.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace as _replace
from pathlib import Path
from typing import Any, Literal

from .. import model as m
from .._schema import dsl_keyword, keys
from ..errors import ConfigError
from ._calls import dsl_method
from ._slurm import SlurmMixin, slurm_table
from ._update import merge_map as _merge_map
from ._update import strings as _strings
from ._update import updated as _updated

__all__ = ["PackageSpec", "Project"]

PackageSpec = str | Mapping[str, Any] | m.PythonPackage
"""A Python package: a version constraint ("", ">=1.2", "pypi", "pypi:1.2", a source URL),
a mapping of `python_package` keywords, or a `model.PythonPackage`."""

# the keywords of `python_package` (and the keys of a package given as a mapping)
_PACKAGE_KEYS = tuple(dsl_keyword(f) for f in keys(m.PythonPackage))


def python_package(name: str, spec: PackageSpec) -> tuple[m.PythonPackage, str | None]:
    """A `model.PythonPackage` from a DSL spec; returns (package, warning or None)."""
    if isinstance(spec, m.PythonPackage):
        if spec.name != name:
            raise ConfigError(f"package {name!r} is given a PythonPackage named {spec.name!r}")
        return spec, None
    if isinstance(spec, str):
        text = spec.strip()
        if text == "pypi":
            return m.PythonPackage(name, pypi=True), None
        if text.startswith("pypi:"):
            version, warning = m.normalize_version_spec(text[len("pypi:") :])
            return m.PythonPackage(name, version, pypi=True), warning
        if ":" in text:
            from ..sources import parse_source

            return m.PythonPackage(name, source=parse_source(text)), None
        version, warning = m.normalize_version_spec(text)
        return m.PythonPackage(name, version), warning
    unknown = sorted(set(spec) - set(_PACKAGE_KEYS))
    if unknown:
        raise ConfigError(
            f"package {name!r}: unknown key {unknown[0]!r}",
            hint="known keys: " + ", ".join(_PACKAGE_KEYS),
        )
    return package_from_options(name, **spec)


def package_from_options(
    name: str,
    version: str = "",
    *,
    pypi: bool = False,
    url: str | None = None,
    editable: str | bool | None = None,
    override_attrs: Mapping[str, str] | None = None,
    build_systems: Sequence[str] | None = None,
    patch_before_lock: str | None = None,
) -> tuple[m.PythonPackage, str | None]:
    """A `model.PythonPackage` from keyword options; returns (package, warning or None)."""
    warning = None
    if version:
        version, warning = m.normalize_version_spec(version)
    source = None
    if url is not None:
        from ..sources import parse_source

        source = parse_source(url)
    if editable is True:
        editable = "code"
    elif editable is False:
        editable = None
    package = m.PythonPackage(
        name,
        version,
        pypi=pypi,
        source=source,
        editable=editable,
        override_attrs=m.FrozenMap(override_attrs or {}),
        build_systems=_strings(build_systems, "build_systems") or (),
        patch_before_lock=patch_before_lock,
    )
    return package, warning


class Project(SlurmMixin):
    """An anysnake2 project, built call by call. Immutable: every method returns a copy.

    >>> base = Project().nixpkgs("24.05", packages=["git"]).python("3.12")
    >>> gpu = base.nixpkgs(allow_unfree=True)
    >>> base.model.nixpkgs.allow_unfree is None
    True
    """

    __slots__ = ("_model",)
    _model: m.Project

    def __init__(self, model: m.Project | None = None) -> None:
        if model is not None and not isinstance(model, m.Project):
            raise ConfigError(f"Project() takes a model.Project, not {type(model).__name__}")
        object.__setattr__(self, "_model", model if model is not None else m.Project())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Project is immutable: its methods return a changed copy")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Project):
            return self._model == other._model
        if isinstance(other, m.Project):
            return self._model == other
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._model)

    def __repr__(self) -> str:
        return f"Project({self._model!r})"

    # Immutable, so a copy is the project itself; pickling (ProcessPoolExecutor) sends
    # the model, warnings and origin included.
    def __copy__(self) -> Project:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Project:
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Project, (self._model,))

    def _with(self, **changes: Any) -> Project:
        return Project(_replace(self._model, **changes))

    def _warn(self, project: Project, warning: str | None) -> Project:
        if warning is None:
            return project
        model = project._model
        return Project(_replace(model, warnings=(*model.warnings, warning)))

    # -- the result -------------------------------------------------------------------

    @property
    def model(self) -> m.Project:
        """The `model.Project` this builder holds (frozen; the same as `build()`)."""
        return self._model

    def build(self) -> m.Project:
        """The finished `model.Project`.

        >>> Project().rust("1.80").build().rust.version
        '1.80'
        """
        return self._model

    # -- [anysnake2] ----------------------------------------------------------------

    @dsl_method
    def anysnake2(
        self,
        version: str | None = None,
        *,
        index_url: str | None = None,
        find_links: str | None = None,
        rev: str | None = None,
        url: str | None = None,
        url2: str | None = None,
        use_binary: bool | None = None,
        do_not_modify_flake: bool | None = None,
        dtach: bool | None = None,
        replace: bool = False,
    ) -> Project:
        """`[anysnake2]`: the anysnake2 version this project is made for, and tool switches.

        Keys not given stay as they are (`replace=True`: start the section afresh).

        >>> Project().anysnake2("0.1.0", dtach=False).model.anysnake2.version
        '0.1.0'
        """
        arguments = locals()
        base = m.AnysnakeSettings() if replace else self._model.anysnake2
        return self._with(anysnake2=_updated(base, arguments))

    # -- [nixpkgs] / [outside_nixpkgs] ------------------------------------------------

    def _nixpkgs(self, field: str, arguments: dict[str, Any]) -> Project:
        current = getattr(self._model, field)
        base = m.Nixpkgs() if (arguments["replace"] or current is None) else current
        return self._with(**{field: _updated(base, arguments)})

    @dsl_method
    def nixpkgs(
        self,
        rev: str | None = None,
        *,
        url: str | None = None,
        ref: str | None = None,
        packages: Sequence[str] | None = None,
        allow_unfree: bool | None = None,
        permitted_insecure_packages: Sequence[str] | None = None,
        overlay: str | None = None,
        replace: bool = False,
    ) -> Project:
        """`[nixpkgs]`: the package set inside the container.

        `rev` is a tag, branch or revision of `url` (default nixpkgs). `packages` and
        `permitted_insecure_packages` add to what is there; `replace=True` starts afresh.

        >>> p = Project().nixpkgs("24.05", packages=["fish"]).nixpkgs(packages=["git"])
        >>> p.model.nixpkgs.packages
        ('fish', 'git')
        """
        return self._nixpkgs("nixpkgs", locals())

    @dsl_method
    def outside_nixpkgs(
        self,
        rev: str | None = None,
        *,
        url: str | None = None,
        ref: str | None = None,
        packages: Sequence[str] | None = None,
        allow_unfree: bool | None = None,
        permitted_insecure_packages: Sequence[str] | None = None,
        overlay: str | None = None,
        replace: bool = False,
    ) -> Project:
        """`[outside_nixpkgs]`: the package set of the tools run on the host (git, dtach...).

        Same arguments as `nixpkgs`.

        >>> Project().outside_nixpkgs("24.05").model.outside_nixpkgs.rev
        '24.05'
        """
        return self._nixpkgs("outside_nixpkgs", locals())

    # -- [python] -----------------------------------------------------------------------

    @dsl_method
    def python(
        self,
        version: str | None = None,
        *,
        ecosystem_date: str | None = None,
        packages: Mapping[str, PackageSpec] | None = None,
        uv_lock_env: Mapping[str, str] | None = None,
        prefer_wheels: bool | None = None,
        replace: bool = False,
    ) -> Project:
        """`[python]`: the interpreter (`"3.12"`), the ecosystem date and packages.

        The first call needs `version`. `packages` and `uv_lock_env` add to what is there
        (see `python_packages`); `replace=True` starts the section afresh.

        >>> p = Project().python("3.12", ecosystem_date="2024-05-01", packages={"pandas": ">=2"})
        >>> p.model.python.packages["pandas"].version
        '>=2'
        """
        arguments = locals()
        current = self._model.python
        if replace or current is None:
            if version is None:
                raise ConfigError(
                    "the first python() call needs the Python version",
                    hint='e.g. .python("3.12", packages={...})',
                )
            section = m.Python(version)
        else:
            section = current
        project = self._with(python=_updated(section, arguments))
        if packages:
            project = project._add_packages(packages)
        return project

    def _add_packages(self, packages: Mapping[str, PackageSpec], replace: bool = False) -> Project:
        section = self._model.python
        if section is None:
            raise ConfigError(
                "no Python yet: call .python(version) before adding packages",
                hint='e.g. .python("3.12", packages={"pandas": ">=2"})',
            )
        data = {} if replace else dict(section.packages)
        warnings = []
        for name, spec in packages.items():
            package, warning = python_package(name, spec)
            data[name] = package
            if warning:
                warnings.append(f"python package {name}: {warning}")
        model = _replace(
            self._model,
            python=_replace(section, packages=m.FrozenMap(data)),
            warnings=(*self._model.warnings, *warnings),
        )
        return Project(model)

    @dsl_method
    def python_packages(
        self, packages: Mapping[str, PackageSpec], /, *, replace: bool = False
    ) -> Project:
        """`[python.packages]`: add packages by name (names need not be identifiers).

        A value is a version constraint (`""` any, `">=1.2"`, `"1.2"` = `==1.2`), `"pypi"` /
        `"pypi:1.2"` (exempt from the ecosystem date), a source URL (`"github:o/r"`), or a
        dict of `python_package` options. A name given again replaces its entry;
        `replace=True` drops all packages first.

        >>> p = Project().python("3.12").python_packages({"scikit-learn": ">=1"})
        >>> p.model.python.packages["scikit-learn"].version
        '>=1'
        """
        return self._add_packages(packages, replace)

    @dsl_method
    def python_package(
        self,
        name: str,
        version: str = "",
        *,
        pypi: bool = False,
        url: str | None = None,
        editable: str | bool | None = None,
        override_attrs: Mapping[str, str] | None = None,
        build_systems: Sequence[str] | None = None,
        patch_before_lock: str | None = None,
    ) -> Project:
        """One `[python.packages]` entry with all its options (replaces an entry of that name).

        `url` is a source (`github:o/r[/branch[/rev]]`, `git+https://...`, `hg+...`, an sdist
        URL); `editable=True` (folder "code") or a folder name checks it out for editing;
        `override_attrs` values are Nix code.

        >>> p = Project().python("3.12").python_package("dppd", url="github:TyberiusPrime/dppd")
        >>> p.model.python.packages["dppd"].source.location
        'TyberiusPrime/dppd'
        """
        package, warning = package_from_options(
            name,
            version,
            pypi=pypi,
            url=url,
            editable=editable,
            override_attrs=override_attrs,
            build_systems=build_systems,
            patch_before_lock=patch_before_lock,
        )
        return self._add_packages({name: package})._warn_only(warning, name)

    def _warn_only(self, warning: str | None, name: str) -> Project:
        return self._warn(self, f"python package {name}: {warning}" if warning else None)

    # -- [R] / [rust] -------------------------------------------------------------------

    @dsl_method
    def r(
        self,
        packages: Sequence[str] | None = None,
        *,
        date: str | None = None,
        ecosystem_tag: str | None = None,
        url: str | None = None,
        rev: str | None = None,
        ref: str | None = None,
        override_attrs: Mapping[str, str] | None = None,
        dependency_overrides: Mapping[str, str] | None = None,
        additional_packages: Mapping[str, str] | None = None,
        use_inside_nix_pkgs: bool | None = None,
        replace: bool = False,
    ) -> Project:
        """`[R]`: R packages by nixR `date` (or `ecosystem_tag`).

        `packages` and the three mappings add to what is there; `replace=True` starts afresh.

        >>> Project().r(["ggplot2"], date="2024-01-15").model.r.packages
        ('ggplot2',)
        """
        arguments = locals()
        current = self._model.r
        base = m.R() if (replace or current is None) else current
        return self._with(r=_updated(base, arguments))

    @dsl_method
    def rust(
        self,
        version: str | None = None,
        *,
        url: str | None = None,
        rev: str | None = None,
        ref: str | None = None,
        replace: bool = False,
    ) -> Project:
        """`[rust]`: a stable Rust `version` from rust-overlay (pinned by url/rev).

        >>> Project().rust("1.80").model.rust.version
        '1.80'
        """
        arguments = locals()
        current = self._model.rust
        base = m.Rust() if (replace or current is None) else current
        return self._with(rust=_updated(base, arguments))

    # -- [flakes.*], [clones.*], [clone_options] -----------------------------------------

    @dsl_method
    def flake(
        self,
        name: str,
        url: str,
        *,
        rev: str | None = None,
        ref: str | None = None,
        dir: str | None = None,
        follows: Sequence[str] | None = None,
        packages: Sequence[str] | None = None,
    ) -> Project:
        """`[flakes.<name>]`: any flake (replaces a flake of that name).

        `packages=None` takes the flake's default package, `packages=[]` none.

        >>> p = Project().flake("hello", "github:owner/hello", rev="v1", packages=["hello"])
        >>> p.model.flakes["hello"].packages
        ('hello',)
        """
        flake = m.Flake(
            name,
            url,
            rev=rev,
            ref=ref,
            dir=dir,
            follows=_strings(follows, "follows") or (),
            packages=_strings(packages, "packages"),
        )
        return self._with(flakes=self._model.flakes.set(name, flake))

    @dsl_method
    def clone(
        self,
        dir: str,
        urls: Mapping[str, str] | None = None,
        /,
        **more_urls: str,
    ) -> Project:
        """`[clones.<dir>]`: repositories cloned into `<dir>/<name>` (added to that folder).

        Names that are not identifiers go into the mapping.

        >>> p = Project().clone("code", dppd="github:TyberiusPrime/dppd")
        >>> p.model.clones["code"]["dppd"]
        'github:TyberiusPrime/dppd'
        """
        entries = dict(urls or {})
        entries.update(more_urls)
        old = self._model.clones.get(dir, m.FrozenMap())
        return self._with(clones=self._model.clones.set(dir, _merge_map(old, entries)))

    @dsl_method
    def clone_options(self, *, jujutsu: bool | None = None) -> Project:
        """`[clone_options]`: `jujutsu=True` clones with `jj git clone --colocate`.

        >>> Project().clone_options(jujutsu=True).model.clone_options.jujutsu
        True
        """
        return self._with(clone_options=_updated(self._model.clone_options, locals()))

    # -- [container], [env] -------------------------------------------------------------

    @dsl_method
    def volume(self, host: str, container: str, *, ro: bool = False) -> Project:
        """A folder of the host mounted at the absolute path `container` (`ro`: read-only).

        >>> Project().volume(".", "/project").model.container.volumes_rw["."]
        '/project'
        """
        field = "volumes_ro" if ro else "volumes_rw"
        section = self._model.container
        updated = getattr(section, field).set(host, container)
        return self._with(container=_replace(section, **{field: updated}))

    @dsl_method
    def env(self, variables: Mapping[str, str] | None = None, /, **more: str) -> Project:
        """`[env]`: environment variables (added; a mapping for names that are not identifiers).

        >>> Project().env(LANG="C.UTF-8").env({"MY-VAR": "1"}).model.env["MY-VAR"]
        '1'
        """
        entries = dict(variables or {})
        entries.update(more)
        return self._with(env=_merge_map(self._model.env, entries))

    @dsl_method
    def container(
        self,
        *,
        home: str | None = None,
        runtime: Literal["apptainer", "singularity", "bwrap"] | None = None,
        dtach: bool | None = None,
        env: Mapping[str, str] | None = None,
        volumes_ro: Mapping[str, str] | None = None,
        volumes_rw: Mapping[str, str] | None = None,
        gpu: bool | None = None,
        replace: bool = False,
    ) -> Project:
        """`[container]`: home folder, runtime, dtach, the container's env and volumes, gpu.

        The mappings add to what is there; `replace=True` starts the section afresh.

        >>> Project().container(home="/home/me", runtime="bwrap").model.container.runtime
        'bwrap'
        """
        arguments = locals()
        base = m.Container() if replace else self._model.container
        return self._with(container=_updated(base, arguments))

    # -- [cmd.*], [dev_shell], helper inputs -----------------------------------------------

    @dsl_method
    def cmd(
        self,
        name: str,
        run: str,
        *,
        pre_run_outside: str | None = None,
        while_run_outside: str | None = None,
        pre_run_inside: str | None = None,
        post_run_inside: str | None = None,
        post_run_outside: str | None = None,
        slurm: Mapping[str, Any] | m.Slurm | None = None,
    ) -> Project:
        """`[cmd.<name>]`: a script run in the container, with hooks (replaces that name).

        `slurm` holds its `[cmd.<name>.slurm]` keys (see `slurm`).

        >>> Project().cmd("default", "jupyter lab").model.cmd["default"].run
        'jupyter lab'
        """
        command = m.Command(
            name,
            run,
            pre_run_outside=pre_run_outside,
            while_run_outside=while_run_outside,
            pre_run_inside=pre_run_inside,
            post_run_inside=post_run_inside,
            post_run_outside=post_run_outside,
            slurm=None if slurm is None else slurm_table(slurm, f"cmd.{name}.slurm"),
        )
        return self._with(cmd=self._model.cmd.set(name, command))

    @dsl_method
    def dev_shell(
        self,
        *,
        shell: str | None = None,
        inputs: Sequence[str] | None = None,
        replace: bool = False,
    ) -> Project:
        """`[dev_shell]`: the shell of `anysnake2 develop` and its extra inputs (added).

        >>> Project().dev_shell(shell="fish").model.dev_shell.shell
        'fish'
        """
        arguments = locals()
        current = self._model.dev_shell
        base = m.DevShell() if (replace or current is None) else current
        return self._with(dev_shell=_updated(base, arguments))

    @dsl_method
    def input(
        self,
        name: str,
        url: str | None = None,
        *,
        rev: str | None = None,
        ref: str | None = None,
    ) -> Project:
        """Pin a helper flake input (`uv2nix`, `pyproject-nix`, `flake-utils`, ...).

        >>> Project().input("uv2nix", "github:pyproject-nix/uv2nix", rev="abc").model.inputs
        FrozenMap({'uv2nix': Input(url='github:pyproject-nix/uv2nix', rev='abc', ref=None)})
        """
        pinned = m.Input(url, rev, ref)
        return self._with(inputs=self._model.inputs.set(name, pinned))

    # -- composition, conversion, running -------------------------------------------------

    @dsl_method
    def with_(self, fragment: Callable[[Project], Project]) -> Project:
        """Apply a reusable fragment: returns `fragment(self)`.

        >>> def gpu(p):
        ...     return p.nixpkgs(allow_unfree=True, packages=["cudatoolkit"])
        >>> Project().with_(gpu).model.nixpkgs.allow_unfree
        True
        """
        result = fragment(self)
        if not isinstance(result, Project):
            name = getattr(fragment, "__name__", repr(fragment))
            raise ConfigError(
                f"the fragment {name} returned {type(result).__name__}, not a Project",
                hint="a fragment takes a Project and returns the changed copy",
            )
        return result

    @classmethod
    def from_toml(cls, path: str | os.PathLike[str]) -> Project:
        """A Project from an anysnake2.toml file (or a folder holding one).

        A missing file, a folder without anysnake2.toml or a Python config is a
        `ConfigError` saying what to do (`anysnake2.load()` reads both formats).

        >>> Project().rust("1.80").write("analysis-2").name
        'anysnake2.toml'
        >>> Project.from_toml("analysis-2").model.rust.version
        '1.80'
        """
        from .._discover import config_file
        from ..toml_compat.reader import read_project

        return cls(read_project(config_file(Path(path), suffix=".toml")))

    def to_toml(self) -> str:
        """The canonical TOML text of this project.

        >>> print(Project().rust("1.80").to_toml(), end="")
        [rust]
        version = "1.80"
        """
        from ..toml_compat.writer import write_project

        return write_project(self._model)

    def to_python(self) -> str:
        """An equivalent, ruff-formatted anysnake2.py (with its PEP 723 header).

        >>> "from anysnake2 import Project" in Project().to_python()
        True
        """
        from ._writer import to_python

        return to_python(self._model)

    def write(
        self,
        directory: str | os.PathLike[str],
        format: Literal["toml", "python"] = "toml",
        *,
        overwrite: bool = False,
    ) -> Path:
        """Write `anysnake2.toml` (or `.py`) into `directory`; returns the file written.

        An existing file is only replaced with `overwrite=True`.

        >>> Project().rust("1.80").write("analysis-1")
        PosixPath('analysis-1/anysnake2.toml')
        """
        if format not in ("toml", "python"):
            raise ConfigError(f"write(): format must be 'toml' or 'python', not {format!r}")
        folder = Path(directory)
        target = folder / ("anysnake2.toml" if format == "toml" else "anysnake2.py")
        text = self.to_toml() if format == "toml" else self.to_python()
        if target.exists() and not overwrite:
            raise ConfigError(f"{target} exists already", hint="pass overwrite=True to replace it")
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        return target

    def main(self, argv: list[str] | None = None) -> int:
        """Run the anysnake2 command line on this project and exit (`python anysnake2.py ...`).

        The project root is the folder of the script that calls `main`.

        >>> if __name__ == "__main__":  # doctest: +SKIP
        ...     project.main()
        """
        import sys

        from ._main import run_cli

        sys.exit(run_cli(self, argv))
