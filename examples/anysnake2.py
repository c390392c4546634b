# /// script
# dependencies = ["anysnake2==0.1.0"]
# ///
"""anysnake2 project: run `python anysnake2.py check` (or `anysnake2 check` here)."""

import sys

if __name__ == "__main__":
    # `python anysnake2.py` puts this folder first on sys.path, where this file would
    # shadow the anysnake2 package: move the folder last (sibling modules still import).
    sys.path.append(sys.path.pop(0))

from anysnake2 import Project

project = (
    Project()
    # [anysnake2]
    .anysnake2(
        "0.1.0",
        index_url="https://pypi.org/simple",
        find_links="https://example.org/wheels/",
        do_not_modify_flake=False,
        dtach=True,
    )
    # [nixpkgs]
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
    .outside_nixpkgs("24.05", url="github:NixOS/nixpkgs")
    # [helper inputs]
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
    .rust(
        "1.80.0",
        url="github:oxalica/rust-overlay",
        rev="fd2ebb9cc4323d0c5a1336138dab5c3c5a5d8bd9",
        ref="master",
    )
    # [flakes]
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
    .clone_options(jujutsu=False)
    # [clones]
    .clone(
        "code",
        fpick="git+https://github.com/TyberiusPrime/fpick",
        pypipegraph="git+https://github.com/TyberiusPrime/pypipegraph?rev=1430704960b069ba25de30210059dcaf374d4ae7",
    )
    # [container]
    .container(
        home="$HOME/container_home",
        runtime="bwrap",
        dtach=True,
        env={"MBF_EXTERNAL_HOSTNAME": "${NICE_HOSTNAME}"},
    )
    .volume("/opt", "/opt", ro=True)
    .volume(".", "/project")
    # [env]
    .env(MBF_EXTERNAL_PREBUILD_PATH="/machine/ffs/prebuild/externals/")
    # [cmd]
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
    )
    .cmd(
        "jupyter",
        """\
cd /project
jupyter lab
""",
    )
    # [dev_shell]
    .dev_shell(shell="fish", inputs=["rust-analyzer"])
)

if __name__ == "__main__":
    project.main()
