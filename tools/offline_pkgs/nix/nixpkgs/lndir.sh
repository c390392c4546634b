#!@shell@
# lndir stand-in (X.org lndir semantics) for the offline nixpkgs; busybox sh only.
#
#   lndir [-silent] [-ignorelinks] [-withrevinfo] [--] FROMDIR [TODIR]
#
# Mirrors FROMDIR into TODIR (default: .): directories are created, every other entry
# becomes a symlink to FROMDIR/path (absolute when FROMDIR is absolute; a relative FROMDIR
# is taken relative to TODIR, with one more "../" per level, as lndir does). Without
# -ignorelinks a symlink in FROMDIR is copied as the same link (same target text).
# Entries that already exist in TODIR are left alone (a message unless it is the same
# link); names ending in "~" and RCS/SCCS/CVS/CVS.adm/.svn/BitKeeper directories are
# skipped unless -withrevinfo. Directory names go to stdout unless -silent.
# The applets used below (stat, readlink, ln, mkdir) come from this busybox.
PATH="@bin@${PATH:+:$PATH}"
silent=0
ignorelinks=0
withrevinfo=0
while [ $# -gt 0 ]; do
    case "$1" in
        -silent) silent=1 ;;
        -ignorelinks) ignorelinks=1 ;;
        -withrevinfo) withrevinfo=1 ;;
        --) shift; break ;;
        *) break ;;
    esac
    shift
done
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
    echo "usage: lndir [-silent] [-ignorelinks] fromdir [todir]" >&2
    exit 1
fi
from=$1
to=${2:-.}
if [ ! -e "$to" ]; then echo "$to: No such file or directory" >&2; exit 1; fi
if [ ! -d "$to" ]; then echo "$to: Not a directory" >&2; exit 2; fi
cd "$to" || exit 1
if [ ! -e "$from" ]; then echo "$from: No such file or directory" >&2; exit 1; fi
if [ ! -d "$from" ]; then echo "$from: Not a directory" >&2; exit 2; fi
if [ "$(stat -L -c %d:%i "$from")" = "$(stat -L -c %d:%i .)" ]; then
    echo "$from: From and to directories are identical!" >&2
    exit 1
fi

dodir() {
    local src="$1" entry name linkto existing
    for entry in "$src"/* "$src"/.[!.]* "$src"/..?*; do
        [ -e "$entry" ] || [ -L "$entry" ] || continue
        name=${entry##*/}
        case "$name" in *~) continue ;; esac
        if [ -d "$entry" ] && [ ! -L "$entry" ]; then
            if [ $withrevinfo = 0 ]; then
                case "$name" in BitKeeper|RCS|SCCS|CVS|CVS.adm|.svn) continue ;; esac
            fi
            [ $silent = 1 ] || echo "$entry:"
            if [ ! -e "$name" ] && [ ! -L "$name" ]; then
                mkdir "$name" || continue
            fi
            if [ -L "$name" ]; then
                echo "$name: is a link instead of a directory" >&2
                continue
            fi
            if [ ! -d "$name" ]; then
                echo "$name: Not a directory" >&2
                continue
            fi
            cd "$name" || continue
            case "$entry" in
                /*) dodir "$entry" ;;
                *) dodir "../$entry" ;;
            esac
            cd .. || exit 1
            continue
        fi
        if [ $ignorelinks = 0 ] && [ -L "$entry" ]; then
            linkto=$(readlink "$entry")
        else
            linkto=$entry
        fi
        if [ -L "$name" ]; then
            existing=$(readlink "$name")
            [ "$existing" = "$linkto" ] || echo "$name: $existing" >&2
        elif [ -e "$name" ]; then
            echo "$name: File exists" >&2
        else
            ln -s "$linkto" "$name" || echo "$name: cannot create link" >&2
        fi
    done
}

dodir "$from"
exit 0
