# /// script
# dependencies = ["anysnake2==0.1.0"]
#
# [tool.uv]
# index-url = "https://pypi.org/simple"
# find-links = ["https://example.org/wheels/"]
# ///
"""anysnake2 project: run `python anysnake2.py check` (or `anysnake2 check` here)."""

import sys
from os.path import dirname, realpath

if __name__ in ("__main__", "anysnake2"):
    # Run as a script (or imported as anysnake2 by a script beside it), this file stands
    # where the package should be: its folder is first on sys.path, before any editable
    # install's finder. Import the package with the folder off sys.path (and this file out
    # of sys.modules), then put the folder back first so sibling modules still import.
    _here = dirname(realpath(__file__))
    sys.path[:] = [p for p in sys.path if realpath(p or ".") != _here]
    if __name__ == "anysnake2":
        del sys.modules[__name__]
    import anysnake2  # noqa: F401

    sys.path.insert(0, _here)

from anysnake2 import Project

# anysnake2.toml: every section and key of the format, each with what it does.
#
# anysnake2 reads this file, resolves every pin once (tags -> revisions, the Python lock),
# records what it resolved, builds a Nix flake into .anysnake2_flake/ and runs commands in
# a rootless container built from it. Paths are relative to this file's folder (the project
# root). $ANYSNAKE_ROOT (or $ANYSNAKE2_ROOT) in a URL stands for that folder.
#
# Files written for the original anysnake2 (1.x and 2.x) are read as well; keys that have
# no effect here produce a warning, see 'anysnake2 check'.
#
# [uv2nix_hammer_overrides]
# per-package build fixes for uv2nix (the original's [uv2nix_override_collection])
#
# [nixpkgs-lib]
# nixpkgs' lib alone: the lib uv2nix, pyproject.nix and build-system-pkgs evaluate with

project = (
    Project()
    # [anysnake2]
    # the anysnake2 version this project was made with (recorded on first use); a different
    # installed version restarts itself into this one unless --no-version-switch is given
    # where that version is installed from (a PyPI-compatible index, optional)
    # extra folders or pages with wheels, as for 'pip --find-links' (optional)
    # true: never rewrite flake.nix (an escape hatch for hand-editing the generated flake)
    # run containers inside dtach, so 'anysnake2 attach' can reattach (default true)
    # (rev, url, url2 and use_binary pinned the original Rust tool; they are read and ignored)
    .anysnake2(
        "0.1.0",
        index_url="https://pypi.org/simple",
        find_links="https://example.org/wheels/",
        do_not_modify_flake=False,
        dtach=True,
    )
    # [nixpkgs]
    # the nixpkgs the container's programs come from: url (default github:NixOS/nixpkgs),
    # ref (a branch, used when looking for the newest revision) and rev (a tag or a commit)
    # nixpkgs attribute names (https://search.nixos.org/packages); any Nix expression works,
    # e.g. 'rust-bin.nightly."2024-01-01".default'
    # allow packages with an unfree licence
    # package names nixpkgs marks insecure that may be built anyway
    # Nix code of an extra overlay, 'final: prev: { ... }', applied to this nixpkgs
    .nixpkgs(
        "24.05",
        url="github:NixOS/nixpkgs",
        ref="master",
        packages=["bash", "coreutils", "fish", "git", "varscan"],
        allow_unfree=True,
        permitted_insecure_packages=["openssl-1.1.1w"],
        overlay="final: prev: { lzma = final.xz; }\n",
    )
    # [outside_nixpkgs]
    # the nixpkgs of the tools anysnake2 runs on the host (same keys as [nixpkgs])
    .outside_nixpkgs("24.05", url="github:NixOS/nixpkgs")
    # [helper inputs]
    # pins of the helper flakes the generated flake uses (url, ref, rev each; default: the
    # revisions this anysnake2 version was tested with)
    .input(
        "build-system-pkgs",
        "github:pyproject-nix/build-system-pkgs",
        rev="90ffdeee1a4929b231913df067448cd9803d3e07",
    )
    .input(
        "flake-utils",
        "github:numtide/flake-utils",
        rev="b1d9ab70662946ef0850d488da1c9019f3a9752a",
    )
    .input(
        "nixpkgs-lib",
        "github:nix-community/nixpkgs.lib",
        rev="de42d44212d207476489bce163375d8306a26d59",
    )
    .input(
        "pyproject-nix",
        "github:pyproject-nix/pyproject.nix",
        rev="7af23cfe91064865ecf2e835da28b45b3c6f49fd",
    )
    .input(
        "uv2nix",
        "github:pyproject-nix/uv2nix",
        rev="49dac8d206c42175b069b7c6050ba27060a21106",
    )
    .input(
        "uv2nix_hammer_overrides",
        "github:TyberiusPrime/uv2nix_hammer_overrides",
        rev="efc9f213860490692e27f0854e26b8ac62acfff3",
    )
    # [python]
    # major.minor; the patch level comes from the nixpkgs revision
    # packages are locked as they were on this day (uv --exclude-newer); default: today,
    # recorded on first use
    # prefer wheels over building from sdists (default true)
    # environment variables set while 'uv lock' runs (for packages whose metadata needs them)
    # a PEP 440 constraint: "" or "*" any version, "1.2" or "=1.2" means ==1.2, ">=2", "~=1.2"
    # "pypi" / "pypi:1.9.6": newest / this version from PyPI, ignoring the ecosystem_date
    # a source URL: github:owner/repo[/branch[/rev]], git+https://...?ref=..&rev=..,
    # hg+https://...?rev=.., or an https:// URL of an sdist or wheel
    # a table for more: url or version (not both), editable, build_systems, override_attrs,
    # patch_before_lock
    # check the source out into code/dppd and import it from there (true = "code")
    # build backends the package needs that it does not declare
    # bash run in a writable copy of the source before locking (set -euo pipefail)
    # Nix attributes for the package's derivation (values are Nix code)
    .python(
        "3.12",
        ecosystem_date="2024-08-09",
        uv_lock_env={"SKLEARN_ALLOW_DEPRECATED_SKLEARN_PACKAGE_INSTALL": "True"},
        prefer_wheels=True,
    )
    .python_packages({"pandas": ">=2,<3", "scipy": ""})
    .python_package(
        "dppd",
        url="github:TyberiusPrime/dppd/main/d16b71a43b731fcf0c0e7e1c50dfcc80d997b7d7",
        editable="code",
        build_systems=["setuptools"],
    )
    .python_package(
        "lvr",
        url="hg+https://hg.sr.ht/~bwe/lvr?rev=db6f0a3254fbd3939d6b6b8c6d1711e7129faba1",
    )
    .python_package(
        "plotnine",
        url="github:has2k1/plotnine/main/6c82cdc20d6f81c96772da73fc07a672a0a0a6ef",
        override_attrs={
            "postInstall": """\
''
  touch $out/lib/python3.12/site-packages/plotnine/post_install_worked
''""",
        },
        build_systems=["setuptools"],
        patch_before_lock="sed -i 's/version=versioneer.get_version()/version=\"0.8.0\"/' setup.py\n",
    )
    .python_package("scanpy", "==1.9.6", pypi=True)
    .python_package(
        "testrepo",
        url="github:TyberiusPrime/_anysnake2_test_repo/main/97d57e17c1bd4a5f547fa1c1be57c2f0a1d2ec6f",
    )
    # [R]
    # R and its packages as nixR had them on this day (or ecosystem_tag = "2021-10-28_1" for
    # r_ecosystem_track; give one of the two). Default: the newest nixR date, recorded.
    # the nixR flake: url, ref, rev (default: github:TyberiusPrime/nixR, newest, recorded)
    # build R with the container's nixpkgs (avoids glibc clashes with rpy2; default true)
    # overrideAttrs functions (Nix code) for single R packages
    # functions changing an R package's dependency list (Nix code)
    # R packages nixR lacks: "name_version" = attributes of the package (Nix code)
    .r(
        ["ACA", "Rcpp", "IRkernel"],
        date="2024-05-10",
        url="github:TyberiusPrime/nixR",
        rev="22a388ea41e27397c6b0cd44bb8599e4e9c5c88c",
        ref="main",
        override_attrs={
            "ACA": """\
old: {
  postInstall = ''
    echo "Yes" > $out/library/ACA/override_in_place
  '';
}
""",
        },
        dependency_overrides={"Rcpp": 'old: old ++ [ "R6" ]\n'},
        additional_packages={
            "kedd_1.0.3": """\
{
  src = pkgs.fetchurl {
    url = "https://cran.r-project.org/src/contrib/Archive/kedd/kedd_1.0.3.tar.gz";
    sha256 = "38760abd8c8e8f69ad85ca7992803060acc44ce68358de1763bd2415fdf83c9f";
  };
}
""",
        },
        use_inside_nix_pkgs=True,
    )
    # [rust]
    # a stable Rust from rust-overlay (default: its newest stable, recorded)
    # the rust-overlay flake pin
    .rust(
        "1.80.0",
        url="github:oxalica/rust-overlay",
        rev="fd2ebb9cc4323d0c5a1336138dab5c3c5a5d8bd9",
        ref="master",
    )
    # [flakes]
    # any flake: its packages are added to the container
    # inputs of the flake that follow ours (so it uses our nixpkgs)
    # its outputs to add; default: its default package; [] adds none
    # the flake lives in this subfolder of the repository
    .flake(
        "STAR",
        "github:IMTMarburg/flakes",
        rev="356700f69497e12371aab6fe529d276893aaaf16",
        dir="STAR",
    )
    .flake(
        "hello",
        "github:TyberiusPrime/hello_flake",
        rev="f32e7e451e9463667f6a1ddb7a662ec70d35144b",
        ref="main",
        follows=["nixpkgs"],
        packages=["defaultPackage.x86_64-linux"],
    )
    # [clone_options]
    # clone with 'jj git clone --colocate' (jujutsu) instead of git
    .clone_options(jujutsu=False)
    # [clones]
    # [clones.<folder>] name = URL: cloned once into <folder>/<name> (never updated or thrown
    # away afterwards). git+..., hg+..., github:owner/repo or file:///path (a folder copied)
    # rewrite clone URLs: regexp = replacement. With \1.. (and \0 = the clone's name) every
    # regexp is matched against the whole URL and all are applied in order; with $1.. (the
    # original 2.x style) they match anywhere and the first match wins.
    .clone(
        "code",
        fpick="git+https://github.com/TyberiusPrime/fpick",
        pypipegraph="git+https://github.com/TyberiusPrime/pypipegraph?rev=1430704960b069ba25de30210059dcaf374d4ae7",
    )
    # [container]
    # the home folder inside the container (default: your $HOME)
    # bwrap, singularity or apptainer (default: the first one installed)
    # run inside dtach (overrides [anysnake2] dtach for the container)
    # the host's NVIDIA driver in the container (apptainer/singularity --nv; bwrap binds
    # /dev/nvidia* and the driver libraries) and nixpkgs with cudaSupport (default: false)
    # environment variables inside the container ($VAR and ${VAR} of the host are expanded)
    # host path = container path, read-only
    # host path = container path, writable
    .container(
        home="$HOME/container_home",
        runtime="bwrap",
        dtach=True,
        env={"MBF_EXTERNAL_HOSTNAME": "${NICE_HOSTNAME}"},
        gpu=False,
    )
    .volume("/opt", "/opt", ro=True)
    .volume(".", "/project")
    # [env]
    # environment variables for every command (inside and outside the container)
    .env(MBF_EXTERNAL_PREBUILD_PATH="/machine/ffs/prebuild/externals/")
    # [cmd]
    # 'anysnake2 <name> [args]' runs [cmd.<name>]; 'anysnake2' alone runs [cmd.default].
    # Built-in names (attach, build, check, config, convert, develop, help, jobs, kernel, lock,
    # run, submit, upgrade, version) cannot be used.
    # bash on the host before the container starts; failing here stops everything
    # bash on the host while the container runs; killed when it ends
    # bash in the container before run
    # the command itself (bash in the container; extra arguments arrive as "$@")
    # bash in the container after run, also when it failed ($ANYSNAKE_RUN_STATUS)
    # bash on the host after the container ended
    # 'anysnake2 submit default [ARGS]': how this command runs as a Slurm job (over [slurm])
    # one array task per line of this file; the line is the job's last argument
    # at most this many array tasks at once
    # gpus = 1 would ask for a GPU per task (and turn on [container] gpu)
    .cmd(
        "default",
        """\
cd /project
python run.py "$@"
""",
        pre_run_outside='echo "pre run outside"\n',
        while_run_outside="while :; do sleep 100; done\n",
        pre_run_inside='echo "pre run inside"\n',
        post_run_inside='echo "post run inside - status was $ANYSNAKE_RUN_STATUS"\n',
        post_run_outside='echo "post run outside"\n',
        slurm={
            "time": "02:00:00",
            "mem": "16G",
            "cpus": 8,
            "array": "samples.txt",
            "max_parallel": 50,
        },
    )
    .cmd(
        "jupyter",
        """\
cd /project
jupyter lab
""",
    )
    # [dev_shell]
    # 'anysnake2 develop': a shell with the project's programs outside the container
    # packages (nixpkgs attribute names) only this shell gets
    .dev_shell(shell="fish", inputs=["rust-analyzer"])
    # [slurm]
    # defaults for every Slurm job of 'anysnake2 submit' ([cmd.X.slurm] keys win)
    # "sif": the nodes run .anysnake2_flake/result.sif ('anysnake2 build sif') with
    # apptainer/singularity; "rootfs": the built rootfs on the shared filesystem
    # more sbatch options, as sbatch takes them
    .slurm(
        partition="short",
        account="ag-lab",
        qos="normal",
        image="sif",
        sbatch_options=["--constraint=avx2"],
    )
)

if __name__ == "__main__":
    project.main()
