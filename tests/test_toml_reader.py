"""TOML reader: every bad input of issue 2 (items 5 and 6) with exit code, message and
line; the mappings of the original's 1.x and 2.x keys onto the model."""

from __future__ import annotations

import datetime as dt
import textwrap

import pytest

from anysnake2.errors import ConfigError
from anysnake2.sources import Source
from anysnake2.toml_compat.reader import read_project_text


def read(text: str):
    return read_project_text(textwrap.dedent(text).lstrip("\n"), "anysnake2.toml")


def fails(text: str) -> ConfigError:
    with pytest.raises(ConfigError) as info:
        read(text)
    error = info.value
    assert error.exit_code == 65
    assert error.file == "anysnake2.toml"
    return error


# --- malformed TOML, unknown keys, types ---------------------------------------------------


def test_malformed_toml_names_line_and_column():
    error = fails(
        """
        [nixpkgs]
        rev = "24.05"
        packages = ["fish",
        """
    )
    assert error.line == 3 and error.column is not None
    assert "not valid TOML" in error.message
    assert error.render().startswith("error: anysnake2.toml:3:")


def test_unknown_key_has_did_you_mean_and_line():
    error = fails(
        """
        [nixpkgs]
        rev = "24.05"
        pakages = ["fish"]
        """
    )
    assert "unknown key 'pakages' in [nixpkgs]" in error.message
    assert error.hint == "did you mean 'packages'?"
    assert error.line == 3


def test_unknown_section_has_did_you_mean():
    error = fails(
        """
        [nixpkgs]
        rev = "24.05"

        [pyhton]
        version = "3.12"
        """
    )
    assert "unknown key 'pyhton'" in error.message
    assert error.hint == "did you mean 'python'?"
    assert error.line == 4


def test_unknown_section_case_is_suggested():
    error = fails("[r]\npackages = []\n")
    assert error.hint == "did you mean 'R'?"


def test_unknown_key_in_cmd():
    error = fails(
        """
        [cmd.default]
        run = "echo hi"
        post_run_insid = "echo bye"
        """
    )
    assert error.hint == "did you mean 'post_run_inside'?" and error.line == 3


@pytest.mark.parametrize(
    ("body", "line", "expected"),
    [
        ('[nixpkgs]\npackages = "fish"\n', 2, "nixpkgs.packages must be a list"),
        ('[nixpkgs]\nallow_unfree = "yes"\n', 2, "nixpkgs.allow_unfree must be true or false"),
        ("[nixpkgs]\npackages = [1]\n", 2, "must be a list of strings"),
        ("[python]\nversion = 3.12\n", 2, "python.version must be a string"),
        ("[container.env]\nX = 1\n", 2, "container.env.X must be a string"),
        ('[cmd.default]\nrun = ["a"]\n', 2, "cmd.default.run must be a string"),
        ('nixpkgs = "24.05"\n', 1, "nixpkgs must be a table"),
        (
            '[python]\nversion = "3.12"\n[python.packages]\npandas = 1.2\n',
            4,
            "must be a version string, a URL or a table",
        ),
        ("[clones.code]\nx = 1\n", 2, "clones.code.x must be a string"),
    ],
)
def test_wrong_value_types(body, line, expected):
    error = fails(body)
    assert expected in error.message
    assert error.line == line


# --- mach-nix only keys: 65 naming the key and what replaces it -----------------------------


def test_build_python_package_arguments_is_65_with_replacement():
    error = fails(
        """
        [python]
        version = "3.10"
        [python.packages.scanpy]
        method = "fetchPypi"
        version = "1.9.3"
        buildPythonPackage_arguments = "{ format = \\"pyproject\\"; }"
        """
    )
    assert "buildPythonPackage_arguments" in error.message
    assert "override_attrs" in error.hint and "build_systems" in error.hint
    assert error.line == 6


def test_additional_mkpython_arguments_func_is_65_with_replacement():
    error = fails(
        """
        [python]
        version = "3.8"
        additional_mkpython_arguments_func = "old: old"
        """
    )
    assert "python.additional_mkpython_arguments_func" in error.message
    assert "override_attrs" in error.hint
    assert error.line == 3


def test_use_flake_is_65_with_replacement():
    error = fails(
        """
        [python]
        version = "3.8"
        [python.packages]
        mbf_bam = {method = "useFlake"}
        """
    )
    assert 'method = "useFlake"' in error.message
    assert "git+https://" in error.hint and "[flakes." in error.hint
    assert error.line == 4


def test_fetch_pypi_capital_p_did_you_mean():
    error = fails('[python]\nversion = "3.8"\n[python.packages]\nx = {method = "fetchPyPi"}\n')
    assert error.hint == "did you mean fetchPypi?" and error.line == 4


@pytest.mark.parametrize("key", ["preferWheel", "buildInputs"])
def test_2x_package_keys_did_you_mean_override_attrs(key):
    error = fails(f'[python]\nversion = "3.12"\n[python.packages]\nx = {{{key} = "true"}}\n')
    assert f"did you mean override_attrs.{key}?" in error.hint


def test_url_and_version_both_is_65():
    error = fails(
        '[python]\nversion = "3.12"\n[python.packages.x]\nurl = "github:a/b"\nversion = "1.0"\n'
    )
    assert "both url and version" in error.message and error.line == 5


def test_unknown_package_table_key_did_you_mean():
    error = fails('[python]\nversion = "3.12"\n[python.packages]\nx = {buildsystems = ["a"]}\n')
    assert error.hint == "did you mean 'build_systems'?" and error.line == 4


def test_duplicate_package_names_after_normalisation():
    error = fails('[python]\nversion = "3.12"\n[python.packages]\nFoo_Bar = ""\nfoo-bar = ">1"\n')
    assert "'foo-bar' and 'Foo_Bar' are the same package" in error.message
    assert error.line == 5


# --- version specs, python version, dates --------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [("", ""), ("*", ""), ("1.2", "==1.2"), ("=1.2", "==1.2"), ("~=1.2", "~=1.2"), (">=1", ">=1")],
)
def test_version_specs_normalize(spec, expected):
    project = read(f'[python]\nversion = "3.12"\n[python.packages]\nx = "{spec}"\n')
    assert project.python.packages["x"].version == expected
    assert project.warnings == ()


def test_trailing_dot_is_read_with_a_located_warning():
    project = read('[python]\nversion = "3.12"\n[python.packages]\nx = ">2."\n')
    assert project.python.packages["x"].version == ">2"
    assert project.warnings == (
        "anysnake2.toml:4: version '>2.' read as '>2' (trailing dot dropped)",
    )


def test_invalid_version_spec_is_65():
    error = fails('[python]\nversion = "3.12"\n[python.packages]\nx = "=>1"\n')
    assert "'=>1' is not a valid version constraint" in error.message and error.line == 4


def test_python_version_must_be_major_minor():
    error = fails('[python]\necosystem_date = "2024-01-01"\nversion = "3.12.1"\n')
    assert "major.minor" in error.message and error.line == 3


def test_python_needs_a_version():
    error = fails('[python]\necosystem_date = "2024-01-01"\n')
    assert "needs version" in error.message and error.line == 1


@pytest.mark.parametrize("value", ['"2024-13-01"', '"24-01-01"', '"yesterday"'])
def test_bad_dates(value):
    error = fails(f'[python]\nversion = "3.12"\necosystem_date = {value}\n')
    assert "python.ecosystem_date" in error.message and error.line == 3


def test_future_date_is_65():
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    error = fails(f'[R]\npackages = []\ndate = "{tomorrow}"\n')
    assert "in the future" in error.message and error.line == 3


def test_toml_date_value_is_accepted():
    project = read('[python]\nversion = "3.12"\necosystem_date = 2024-01-02\n')
    assert project.python.ecosystem_date == "2024-01-02"


# --- URLs ---------------------------------------------------------------------------------


def test_path_flake_url_is_rejected_with_reason():
    error = fails('[flakes.x]\nurl = "path:/home/me/flake"\n')
    assert "path: URLs are not accepted" in error.message and error.line == 1
    assert "git+file" in error.hint


def test_flake_needs_url():
    error = fails("[flakes.x]\nfollows = []\n")
    assert "needs a url" in error.message


def test_1x_flake_url_with_dir_and_leading_slash():
    project = read('[flakes.STAR]\nurl = "github:/IMTMarburg/flakes?dir=STAR"\nrev = "abc"\n')
    flake = project.flakes["STAR"]
    assert (flake.url, flake.dir, flake.rev, flake.ref) == (
        "github:IMTMarburg/flakes",
        "STAR",
        "abc",
        None,
    )


def test_2x_url_is_split_into_url_ref_rev():
    project = read(
        '[anysnake2]\nurl2 = "dev"\n[nixpkgs]\nurl = "github:NixOS/nixpkgs/master/24.05"\n'
    )
    nixpkgs = project.nixpkgs
    assert (nixpkgs.url, nixpkgs.ref, nixpkgs.rev) == ("github:NixOS/nixpkgs", "master", "24.05")
    assert project.warnings == ()


def test_2x_rev_beside_a_pinned_url_is_ignored_with_warning():
    project = read(
        '[anysnake2]\nurl2 = "dev"\n[nixpkgs]\nrev = "23.11"\nurl = "github:NixOS/nixpkgs/master/24.05"\n'
    )
    assert project.nixpkgs.rev == "24.05"
    assert len(project.warnings) == 1
    assert project.warnings[0].startswith("anysnake2.toml:4: nixpkgs.rev = '23.11' is ignored")


def test_our_format_rev_contradicting_the_url_is_65():
    error = fails('[nixpkgs]\nrev = "23.11"\nurl = "github:NixOS/nixpkgs/master/24.05"\n')
    assert "contradicts the revision '24.05'" in error.message and error.line == 2


def test_git_url_query_is_split():
    project = read('[flakes.h]\nurl = "git+https://example.org/h?ref=main&rev=abc"\n')
    flake = project.flakes["h"]
    assert (flake.url, flake.ref, flake.rev) == ("git+https://example.org/h", "main", "abc")


def test_anysnake_root_stays_symbolic():
    project = read('[flakes.local]\nurl = "$ANYSNAKE2_ROOT/flakes/local"\n')
    assert project.flakes["local"].url == "$ANYSNAKE2_ROOT/flakes/local"


# --- clones -------------------------------------------------------------------------------


def test_clone_regexps_1x_expand():
    project = read(
        r"""
        [clones.code]
        dppd = "@gh/TyberiusPrime"
        other = "@gh/TyberiusPrime/other?rev=abc"
        [clone_regexps]
        "@gh/([^/]+)" = "git+https://github.com/\\1/\\0"
        "@gh/([^/]+/[^/]+)" = "git+https://github.com/\\1"
        """
    )
    assert dict(project.clones["code"]) == {
        "dppd": "git+https://github.com/TyberiusPrime/dppd",
        "other": "git+https://github.com/TyberiusPrime/other?rev=abc",
    }


def test_clone_regexps_2x_in_clone_options():
    project = read(
        """
        [clones.code]
        x = "@gh/a/b"
        [clone_options]
        jujutsu = true
        [clone_options.clone_regexps]
        "@gh/([^/]+)/([^/]+)" = "github:$1/$2"
        """
    )
    assert project.clones["code"]["x"] == "github:a/b"
    assert project.clone_options.jujutsu is True


def test_clone_url_that_cannot_be_cloned_names_clone_and_both_urls():
    error = fails(
        """
        [clones.code]
        x = "@gh/a"
        [clone_regexps]
        "@gh/(.+)" = "https://github.com/\\\\1"
        """
    )
    assert "clones.code.x" in error.message
    assert "'https://github.com/a'" in error.message and "expanded from '@gh/a'" in error.message
    assert error.line == 2


def test_clone_url_without_scheme_is_65():
    error = fails('[clones.code]\nx = "somewhere/else"\n')
    assert "clones.code.x" in error.message and error.line == 2


def test_missing_group_is_harmless_until_it_matches():
    unused = """
        [clones.code]
        fpick = "git+https://example.org/fpick"
        [clone_regexps]
        "@gh/([^/]+/[^/]+)" = "git+https://github.com/$2/$1"
        """
    assert read(unused).clones["code"]["fpick"] == "git+https://example.org/fpick"
    error = fails(unused.replace("git+https://example.org/fpick", "@gh/a/b"))
    assert "uses group $2" in error.message and "clones.code.fpick = '@gh/a/b'" in error.message
    assert error.line == 2


def test_invalid_regexp_is_65():
    error = fails('[clone_regexps]\n"(" = "x"\n')
    assert "not a valid regular expression" in error.message


# --- reserved commands, spellings that merge -----------------------------------------------


def test_reserved_command_name_says_how_to_rename():
    error = fails('[cmd.default]\nrun = "a"\n[cmd.run]\nrun = "echo"\n')
    assert "'run' is a built-in command" in error.message
    assert "[cmd.my_run]" in error.hint
    assert error.line == 3


def test_command_needs_run():
    error = fails('[cmd.x]\npre_run_outside = "echo"\n')
    assert "needs run" in error.message and error.line == 1


def test_dev_shell_spellings_merge_and_conflict():
    project = read('[dev_shell]\nshell = "fish"\n[devShell]\nshell = "fish"\ninputs = ["x"]\n')
    assert project.dev_shell.shell == "fish" and project.dev_shell.inputs == ("x",)
    error = fails('[dev_shell]\nshell = "fish"\n[devshell]\nshell = "bash"\n')
    assert "contradicts [dev_shell] shell" in error.message and error.line == 4


def test_r_aliases_merge_and_conflict():
    project = read('[R]\npackages = []\nnixr_url = "github:a/nixR"\nnixr_tag = "abc"\n')
    assert (project.r.url, project.r.rev) == ("github:a/nixR", "abc")
    error = fails('[R]\nnixr_url = "github:a/nixR"\nurl = "github:b/nixR"\n')
    assert "say the same thing differently" in error.message and error.line == 2


def test_container_detach_is_honoured():
    assert read("[container]\ndetach = false\n").container.dtach is False


def test_prefer_wheels_spellings():
    project = read(
        '[anysnake2]\nurl2 = "dev"\n[python]\nversion = "3.11"\npreferWheels = false\n'
        "[uv2nix]\nprefer_wheels = false\n"
    )
    assert project.python.prefer_wheels is False
    error = fails('[python]\nversion = "3.11"\nprefer_wheels = true\npreferWheels = false\n')
    assert "contradicts python.prefer_wheels" in error.message and error.line == 4


def test_r_additional_packages_key_needs_version():
    error = fails('[R]\npackages = []\n[R.additional_packages]\nkedd = "{}"\n')
    assert "name_version" in error.message and error.line == 4


def test_r_ecosystem_tag_is_honoured():
    project = read('[R]\necosystem_tag = "2021-10-28_1"\npackages = ["dplyr"]\n')
    assert project.r.ecosystem_tag == "2021-10-28_1"


# --- package forms ------------------------------------------------------------------------


def test_package_forms():
    project = read(
        """
        [python]
        version = "3.10"
        [python.packages]
        a = "editable/code"
        b = "pypi"
        c = "pypi:1.2"
        d = "github:o/r/main/abc"
        e = {version = "pypi:0.20.31"}
        f = {editable = true, url = "hg+https://hg.example/f?rev=1"}
        g = {method = "fetchFromGitHub", owner = "o", repo = "g", branchName = "dev"}
        h = {method = "fetchgit", url = "https://example.org/h", rev = "abc"}
        i = {method = "fetchhg", url = "https://hg.example/i"}
        j = {method = "fetchPypi", version = "0.24", "hash_0.24" = "sha256-x"}
        k = {override_attrs = {buildInputs = "old.buildInputs"}, build_systems = ["setuptools"]}
        """
    )
    p = project.python.packages
    assert p["a"].editable == "code" and p["a"].version == ""
    assert p["b"].pypi and p["b"].version == ""
    assert p["c"].pypi and p["c"].version == "==1.2"
    assert p["d"].source == Source("github", "o/r", "main", "abc")
    assert p["e"].pypi and p["e"].version == "==0.20.31"
    assert p["f"].editable == "code" and p["f"].source == Source(
        "hg", "https://hg.example/f", None, "1"
    )
    assert p["g"].source == Source("github", "o/g", "dev", None)
    assert p["h"].source == Source("git", "https://example.org/h", None, "abc")
    assert p["i"].source == Source("hg", "https://hg.example/i", None, None)
    assert p["j"].pypi and p["j"].version == "==0.24"
    assert dict(p["k"].override_attrs) == {"buildInputs": "old.buildInputs"}
    assert p["k"].build_systems == ("setuptools",)
    assert project.warnings == (
        "anysnake2.toml:13: python.packages.j: hash_0.24 not needed: the flake lock verifies sources",
    )


def test_overrides_warns():
    project = read(
        '[python]\nversion = "3.10"\n[python.packages]\n'
        't = {method = "fetchFromGitHub", owner = "o", repo = "t", overrides = ["t2"]}\n'
    )
    assert any("overrides has no effect" in w for w in project.warnings)


def test_fetch_from_github_needs_owner():
    error = fails(
        '[python]\nversion = "3.10"\n[python.packages]\nt = {method = "fetchFromGitHub", repo = "t"}\n'
    )
    assert "fetchFromGitHub needs owner" in error.message and error.line == 4


def test_poetry2nix_keys_map_where_clear():
    project = read(
        """
        [python]
        version = "3.12"
        [python.packages.rpy2]
        version = '*'
        poetry2nix.env = {R_HOME = '${R_tracked}'}
        """
    )
    package = project.python.packages["rpy2"]
    assert dict(package.override_attrs) == {"R_HOME": '"${R_tracked}"'}
    error = fails('[python]\nversion = "3.12"\n[python.packages.x]\npoetry2nix.src = "./x"\n')
    assert "poetry2nix" in error.message and "override_attrs.src" in error.hint and error.line == 4


# --- sections without effect, [anysnake2] pins --------------------------------------------


def test_ignored_sections_warn_once_each():
    project = read('[mach-nix]\nrev = "x"\n[ancient_poetry]\nurl = "y"\n')
    assert project.warnings == (
        (
            "anysnake2.toml:1: [mach-nix] has no effect here: mach-nix is not used: Python "
            "environments are locked with uv and built with uv2nix"
        ),
        (
            "anysnake2.toml:3: [ancient_poetry] has no effect here: ancient-poetry is not "
            "used: uv locks Python packages by ecosystem_date"
        ),
    )


def test_anysnake2_rev_pin_warns_but_dev_does_not():
    assert read('[anysnake2]\nrev = "dev"\nurl2 = "dev"\n').warnings == ()
    project = read('[anysnake2]\nrev = "1.15.5"\n')
    assert project.anysnake2.rev == "1.15.5"
    assert len(project.warnings) == 1 and "pin the original (Rust) anysnake2" in project.warnings[0]


def test_helper_sections_become_inputs():
    project = read(
        '[flake-util]\nurl = "github:numtide/flake-utils"\nrev = "abc"\n'
        '[pyproject_build_systems]\nurl = "github:pyproject-nix/build-system-pkgs/master/def"\n'
        "[uv2nix]\n"
    )
    assert set(project.inputs) == {"flake-utils", "build-system-pkgs"}
    assert project.inputs["build-system-pkgs"].rev == "def"


def test_empty_file_is_an_empty_project():
    project = read("")
    assert project.python is None and project.nixpkgs is None and project.warnings == ()


def test_malformed_toml_in_the_middle():
    error = fails('[nixpkgs]\nrev = "24.05\npackages = []\n')
    assert (error.line, error.column) == (2, 13)
    assert error.render().startswith("error: anysnake2.toml:2:13: not valid TOML")


def test_line_finder_skips_multiline_strings_and_reads_quoted_dotted_keys():
    from anysnake2.toml_compat.lines import LineFinder

    finder = LineFinder(
        textwrap.dedent(
            '''
            [cmd.default]
            run = """
            packages = 1
            """
            [python.packages."my.pkg"]
            override_attrs.postPatch = "x"
            [ "container" . volumes_rw ]
            "." = "/project"
            '''
        )
    )
    assert finder.line("cmd", "default", "run") == 3
    assert finder.line("cmd", "default", "packages") == 2  # in the string: not a key
    assert finder.line("python", "packages", "my.pkg", "override_attrs", "postPatch") == 7
    assert finder.line("python", "packages", "my.pkg", "url") == 6
    assert finder.line("container", "volumes_rw", ".") == 9
    assert finder.line("nothing") is None
