"""`render_flake`: a Project and its Resolution → the text of `.anysnake2_flake/flake.nix`.

Pure and deterministic: no clock, no environment, no machine-specific path except the
project root where the config names it (`$ANYSNAKE_ROOT`). The generated flake uses only
this part of nixpkgs (the contract with tests' offline package set): `import nixpkgs
{ system; overlays; config }`, `runCommand`, `xorg.lndir`, `coreutils`, `bashInteractive`,
`cacert`, `mkShell`, `callPackage`, `python3XX`, `stdenv.cc` (with Rust), `bzip2`, `xz`,
`zlib`, `icu`, `libdeflate` (rpy2 with R) and `lib.{foldl', concatStringsSep, genAttrs,
getLib, filterAttrs, optionalAttrs, versionOlder, trivial.release,
composeManyExtensions}`; the Python part is in `python.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import _log
from .._frozen import FrozenMap
from .._util.names import normalize_name as pep503
from ..defaults import DEFAULT_INPUTS, DEFAULT_NIXPKGS_URL
from ..errors import ConfigError
from ..model import Input, Project
from .inputs import flake_url
from .nix import RawNix, attr_name, attr_path, closed, is_attr_path, paren
from .python import render_python
from .resolution import Resolution
from .template import render_template

__all__ = ["JUPYTER_PACKAGES", "RenderedFlake", "render_flake"]

JUPYTER_PACKAGES = ("jupyter", "jupyterlab", "notebook")


@dataclass(frozen=True)
class RenderedFlake:
    """The flake directory's contents: `flake_nix` text, files to copy in, warnings.

    `copies` maps a path relative to `.anysnake2_flake/` to the file copied there (the
    Python lock workspace: `uv/pyproject.toml`, `uv/uv.lock`).
    """

    flake_nix: str
    copies: FrozenMap[str, Path] = field(default_factory=FrozenMap)
    warnings: tuple[str, ...] = ()


def _pkg(code: str) -> RawNix:
    """A nixpkgs package expression from the config (Nix code, attribute path into pkgs)."""
    code = code.strip()
    if is_attr_path(code):
        return RawNix("pkgs." + code)
    return RawNix(f"(with pkgs; ({closed(code)}))")


class _Flake:
    """Collects inputs, overlays, packages and what each section binds, for the template
    `templates/flake.nix.j2` (a section that is absent leaves its binding None)."""

    def __init__(self, project: Project, resolution: Resolution, root: Path) -> None:
        self.project = project
        self.resolution = resolution
        self.root = root
        self.inputs: dict[str, dict[object, object]] = {}
        self.warnings: list[str] = []
        self.overlays: list[RawNix] = []
        self.rust_args: dict[str, object] | None = None
        self.nixr_args: dict[str, object] | None = None  # R by nixR date
        self.r_packages: list[RawNix] | None = None  # R by r_ecosystem_track tag
        self.python: dict[str, object] | None = None  # see python.render_python
        self.kernels: dict[str, bool] | None = None
        self.packages: list[RawNix] = []  # rootfs order: later entries win
        self.bashrc: list[str] = [
            "export SSL_CERT_FILE=/etc/ssl/certs/ca-bundle.crt",
            "export SSL_CERT_DIR=/etc/ssl/certs",
        ]
        self.shell_hook: list[str] = ["export PATH=${rootfs}/rootfs/bin:$PATH"]

    # inputs ---------------------------------------------------------------------
    def add_input(
        self,
        name: str,
        url: str,
        *,
        rev: str | None = None,
        ref: str | None = None,
        dir: str | None = None,
        follows: tuple[str, ...] = (),
        follows_as: dict[str, str] | None = None,
    ) -> None:
        rendered = flake_url(
            name,
            url,
            rev=rev,
            ref=ref,
            dir=dir,
            resolved=self.resolution.revisions.get(name),
            root=self.root,
            offline=self.resolution.offline,
        )
        if rendered.warning:
            self.warnings.append(rendered.warning)
        spec: dict[object, object] = {"url": rendered.url}
        for other, ours in sorted({**{f: f for f in follows}, **(follows_as or {})}.items()):
            spec[RawNix(attr_path("inputs", other, "follows"))] = ours
        self.inputs[name] = spec

    def add_helper(
        self,
        name: str,
        override: Input | None,
        follows: tuple[str, ...],
        follows_as: dict[str, str] | None = None,
    ) -> None:
        default = DEFAULT_INPUTS[name]
        url, rev, ref = default.url, default.rev, None
        if override is not None and (override.url or override.rev or override.ref):
            url = override.url or default.url
            rev = override.rev if (override.rev or override.url) else default.rev
            ref = override.ref
        self.add_input(name, url, rev=rev, ref=ref, follows=follows, follows_as=follows_as)

    # sections -------------------------------------------------------------------
    def nixpkgs(self) -> None:
        nixpkgs = self.project.nixpkgs
        url = (nixpkgs.url if nixpkgs else None) or DEFAULT_NIXPKGS_URL
        self.add_input(
            "nixpkgs",
            url,
            rev=nixpkgs.rev if nixpkgs else None,
            ref=nixpkgs.ref if nixpkgs else None,
        )
        for base in ("coreutils", "bashInteractive", "cacert"):
            self.packages.append(RawNix(f"pkgs.{base}"))

    def rust(self) -> None:
        rust = self.project.rust
        if rust is None:
            return
        self.add_helper("rust-overlay", Input(rust.url, rust.rev, rust.ref), ("nixpkgs",))
        # `overlays.default` from 3e95d6696b51f88b3ebfc7a21aefaeeb70a245bd (2022-06-30);
        # before, only `overlay` (removed in 3140403d97ae4e76125fb618a146bfbc1050c28e,
        # 2024-05-30): github:oxalica/rust-overlay flake.nix history
        self.overlays.insert(
            0, RawNix("(inputs.rust-overlay.overlays.default or inputs.rust-overlay.overlay)")
        )
        extensions = ["rustfmt", "clippy"]
        if "evcxr" in self._nixpkgs_packages():
            extensions.append("rust-src")  # evcxr needs the standard library's source
        self.rust_args = {"version": rust.version, "extensions": extensions}
        self.packages.append(RawNix("rust"))
        self.packages.append(RawNix("pkgs.stdenv.cc"))  # the linker rustc calls

    def _nixpkgs_packages(self) -> tuple[str, ...]:
        nixpkgs = self.project.nixpkgs
        return (nixpkgs.packages or ()) if nixpkgs else ()

    def nixpkgs_packages(self) -> None:
        seen: set[str] = set()
        for code in self._nixpkgs_packages():
            if code.strip() and code.strip() not in seen:
                seen.add(code.strip())
                self.packages.append(_pkg(code))

    def r(self) -> None:
        r = self.project.r
        if r is None:
            return
        if r.ecosystem_tag is not None:
            self._r_ecosystem_track()
        else:
            self._nixr()
        self.overlays.append(
            RawNix("(final: prev: { R = R_tracked; rPackages = R_tracked.rPackages; })")
        )
        self.packages.append(RawNix("R_tracked"))
        self.bashrc.append("export R_LIBS_SITE=/R_libs")
        self.shell_hook.append("export R_LIBS_SITE=${rootfs}/rootfs/R_libs")

    def _nixr(self) -> None:
        r = self.project.r
        assert r is not None
        if r.date is None:
            raise ConfigError(
                "[R] needs a date (the nixR snapshot of R and its packages)",
                hint='add date = "YYYY-MM-DD" to [R], or ecosystem_tag for r_ecosystem_track',
            )
        self.add_helper("nixR", Input(r.url, r.rev, r.ref), ())
        names = set(r.packages) | {key.split("_", 1)[0] for key in r.additional_packages}
        self.nixr_args = {
            "date": r.date,
            "r_pkg_names": sorted(names),
            "nix_pkgs_pkgs": RawNix("null" if r.use_inside_nix_pkgs is False else "pkgs"),
            "packageOverrideAttrs": {k: paren(v) for k, v in r.override_attrs.items()},
            "r_dependency_overrides": {k: paren(v) for k, v in r.dependency_overrides.items()},
            "additional_packages": {k: paren(v) for k, v in r.additional_packages.items()},
        }

    def _r_ecosystem_track(self) -> None:
        r = self.project.r
        assert r is not None
        url = r.url or DEFAULT_INPUTS["r_ecosystem_track"].url
        self.add_input("r_ecosystem_track", url, rev=r.rev or r.ecosystem_tag, ref=r.ref)
        # nixpkgs' rPackages spell a dot in a package name as an underscore
        self.r_packages = [
            RawNix("rPackages." + attr_name(name.replace(".", "_"))) for name in sorted(r.packages)
        ]

    def flakes(self) -> None:
        for name, flake in self.project.flakes.sorted_items():
            if name in self.inputs or name in DEFAULT_INPUTS:
                raise ConfigError(
                    f"[flakes.{name}]: the name {name!r} is taken by an input anysnake2 adds",
                    hint=f"rename the section, e.g. [flakes.my_{name}]",
                )
            self.add_input(
                name, flake.url, rev=flake.rev, ref=flake.ref, dir=flake.dir, follows=flake.follows
            )
            ref = attr_path("inputs", name)
            if flake.packages is None:
                self.packages.append(
                    RawNix(
                        f"({ref}.packages.${{system}}.default or {ref}.defaultPackage.${{system}})"
                    )
                )
            for package in flake.packages or ():
                package = package.strip()
                code = f"{ref}.{package}"
                self.packages.append(RawNix(code if is_attr_path(package) else f"({closed(code)})"))

    def jupyter(self) -> None:
        python = self.project.python
        if python is None or not any(pep503(n) in JUPYTER_PACKAGES for n in python.packages):
            return
        r = self.project.r
        irkernel = r is not None and "IRkernel" in r.packages
        evcxr = "evcxr" in self._nixpkgs_packages()
        if irkernel or evcxr:  # else the venv brings its python3 kernel itself
            self.kernels = {"irkernel": irkernel, "evcxr": evcxr}
            self.packages.append(RawNix("jupyterKernels"))

    def user_overlay(self) -> None:
        nixpkgs = self.project.nixpkgs
        if nixpkgs is not None and nixpkgs.overlay and nixpkgs.overlay.strip():
            self.overlays.append(RawNix("(" + closed(nixpkgs.overlay.strip()) + ")"))

    # printing -------------------------------------------------------------------
    def text(self) -> str:
        from ..model_slurm import gpu_wanted

        nixpkgs = self.project.nixpkgs
        gpu = gpu_wanted(self.project)
        config = {
            "allowUnfree": bool(nixpkgs and nixpkgs.allow_unfree) or gpu,
            "permittedInsecurePackages": list(
                nixpkgs.permitted_insecure_packages if nixpkgs else ()
            ),
        }
        if gpu:
            config["cudaSupport"] = True  # nixpkgs builds its CUDA variants (unfree)
        dev_inputs = [
            _pkg(c) for c in (self.project.dev_shell.inputs if self.project.dev_shell else ())
        ]
        return render_template(
            "flake.nix.j2",
            inputs=self.inputs,
            overlays=self.overlays,
            config=config,
            rust=self.rust_args,
            nixr_args=self.nixr_args,
            r_packages=self.r_packages,
            r=self.project.r is not None,
            python=self.python,
            jupyter=self.kernels,
            packages=self.packages,
            bashrc=self.bashrc,
            dev_inputs=dev_inputs,
            shell_hook=self.shell_hook,
        )


def render_flake(project: Project, resolution: Resolution, *, root: Path) -> RenderedFlake:
    """Render `project` (with what `resolution` decided) into the flake directory's files.

    `root` is the project root; it appears in the output only where a flake URL names it
    through `$ANYSNAKE_ROOT`/`$ANYSNAKE2_ROOT`. Warnings (inputs not pinned to a revision)
    are logged and returned.
    """
    flake = _Flake(project, resolution, root)
    flake.nixpkgs()
    flake.rust()
    flake.nixpkgs_packages()
    flake.r()
    flake.flakes()
    render_python(flake)
    flake.jupyter()
    flake.user_overlay()
    copies: dict[str, Path] = {}
    if project.python is not None and resolution.python_lock is not None:
        for file in ("pyproject.toml", "uv.lock"):
            copies[f"uv/{file}"] = resolution.python_lock / file
        # mercurial, patched and file:// packages: in the flake source, by relative path
        for relative, source in resolution.local_sources.items():
            copies[f"uv/{relative}"] = source
    for warning in flake.warnings:
        _log.warn(warning)
    return RenderedFlake(flake.text(), FrozenMap(copies), tuple(flake.warnings))
