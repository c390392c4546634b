"""The rootfs derivation's builder script and the shell-script helper of the renderer."""

from __future__ import annotations

__all__ = ["rootfs_script", "script"]


def rootfs_script(bashrc: list[str]) -> str:
    """The builder script of the rootfs: a symlink forest of `rootfsPackages` (linked
    first wins), empty passwd/group, `bashrc` lines in /etc/bashrc and profile.d."""
    profile = _heredoc(bashrc)
    lines = [
        "root=$out/rootfs",
        "mkdir -p $root/bin $root/etc $root/lib $root/lib64 $root/share $root/usr/lib \\",
        "  $root/usr/share $root/tmp $root/var/tmp $root/R_libs",
        "# empty: the container runtime fills in users and groups",
        ": > $root/etc/passwd",
        ": > $root/etc/group",
        "link() {",
        '  if test -d "$1"; then',
        '    mkdir -p "$2"',
        '    ${pkgs.xorg.lndir}/bin/lndir -silent -ignorelinks "$1" "$2"',
        "  fi",
        "}",
        "# lndir never overwrites, so the package linked first wins",
        "add_package() {",
        '  link "$1/bin" $root/bin',
        '  link "$1/etc" $root/etc',
        '  link "$1/lib" $root/usr/lib',
        '  link "$1/share" $root/usr/share',
        '  link "$1/lib/R/library" $root/R_libs',
        '  if test -e "$1/lib/R/lib/libR.so"; then link "$1/lib/R/lib" $root/lib64; fi',
        '  if test -e "$1/pyvenv.cfg"; then',
        "    # the Python virtualenv lives at /: /bin/python finds /pyvenv.cfg",
        '    test -e $root/pyvenv.cfg || ln -s "$1/pyvenv.cfg" $root/pyvenv.cfg',
        '    link "$1/lib" $root/lib',
        "  fi",
        "}",
        (
            '${pkgs.lib.concatStringsSep "\\n" (map (p: "add_package ${p}") '
            "(pkgs.lib.foldl' (acc: p: [ p ] ++ acc) [ ] rootfsPackages))}"
        ),
        "ln -s /bin $root/usr/bin",
        "if test -L $root/etc/bashrc; then",
        "  cat $root/etc/bashrc > $root/etc/bashrc.new",
        "  rm $root/etc/bashrc",
        "  cp $root/etc/bashrc.new $root/etc/bashrc",
        "  rm $root/etc/bashrc.new",
        "fi",
        "cat >> $root/etc/bashrc <<'EOF'",
        *profile,
        "mkdir -p $root/etc/profile.d",
        "cat > $root/etc/profile.d/anysnake2.sh <<'EOF'",
        *profile,
        "cat > $out/reqs.sh <<'EOF'",
        '${pkgs.lib.concatStringsSep "\\n" (map toString rootfsPackages)}',
        "EOF",
    ]
    return script(lines, 3)


def _heredoc(lines: list[str]) -> list[str]:
    return [*lines, "EOF"]


def script(lines: list[str], indent: int) -> str:
    """A shell script we wrote ourselves (its `${...}` are meant as Nix antiquotations)."""
    pad = "  " * (indent + 1)
    body = "\n".join(pad + line if line else "" for line in lines)
    return "''\n" + body + "\n" + "  " * indent + "''"
