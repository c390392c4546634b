# Stand-in for nixpkgs' pkgs/stdenv/generic/setup.sh: the part of it that the setup hooks
# of the real pyproject.nix builders and uv2nix's derivations use. Sourced as $stdenv/setup.
#
# Same names and semantics as the real file: runHook (hook variables, functions and
# <name>Hooks arrays), genericBuild with $phases / prePhases / preConfigurePhases /
# preInstallPhases / preFixupPhases / preDistPhases / postPhases and the dont<Phase>
# switches, setup hooks of every input (nix-support/setup-hook) and their propagated
# inputs (nix-support/propagated-build-inputs, propagated-native-build-inputs),
# addToSearchPath, addEnvHooks, stripHash, substitute/substituteInPlace/substituteAll,
# patchShebangs (for interpreters in inputs), unpackPhase for directories, tarballs and
# zip files. Not here: cross-compilation offsets (host = build = target), strip, patchelf,
# the compiler wrappers (there is no C compiler in the offline package set).
__nixpkgs_setup_set_original=$-
set -eu
set -o pipefail

: "${outputs:=out}"
PATH="@initialPath@"
export PATH
export NIX_BUILD_CORES="${NIX_BUILD_CORES:-1}"
export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-315532800}"
export HOME="${HOME:-/homeless-shelter}"
if [ "$HOME" = /homeless-shelter ] || [ ! -w "$HOME" ]; then export HOME="$NIX_BUILD_TOP/.home"; mkdir -p "$HOME"; fi

_eval() {
    if declare -F "$1" > /dev/null 2>&1; then "$@"; else eval "$1"; fi
}

_callImplicitHook() {
    local def="$1" hookName="$2"
    if declare -F "$hookName" > /dev/null; then "$hookName"
    elif type -p "$hookName" > /dev/null; then source "$hookName"
    elif [ -n "${!hookName:-}" ]; then eval "${!hookName}"
    else return "$def"; fi
}

runHook() {
    local hookName="$1"; shift
    local hooksSlice="${hookName%Hook}Hooks[@]"
    local hook
    for hook in "_callImplicitHook 0 $hookName" ${!hooksSlice+"${!hooksSlice}"}; do
        _eval "$hook" "$@"
    done
    return 0
}

addToSearchPathWithCustomDelimiter() {
    local delimiter="$1" varName="$2" dir="$3"
    if [[ -d "$dir" && "${!varName:+${delimiter}${!varName}${delimiter}}" != *"${delimiter}${dir}${delimiter}"* ]]; then
        export "${varName}=${!varName:+${!varName}${delimiter}}${dir}"
    fi
}
addToSearchPath() { addToSearchPathWithCustomDelimiter ":" "$@"; }

envHooks=()
addEnvHooks() { shift; envHooks+=("$@"); }

stripHash() {
    local strippedName
    strippedName="$(basename -- "$1")"
    if echo "$strippedName" | grep -q '^[a-z0-9]\{32\}-'; then
        echo "$strippedName" | cut -c34-
    else
        echo "$strippedName"
    fi
}

substitute() {
    local input="$1" output="$2"; shift 2
    local content; content="$(cat "$input"; printf x)"; content="${content%x}"
    while [ $# -gt 0 ]; do
        case "$1" in
            --replace|--replace-fail|--replace-warn|--replace-quiet)
                local pattern="$2" replacement="$3"; shift 3
                if [[ "$content" != *"$pattern"* ]] && [ "$1" != --replace-quiet ]; then
                    echo "substitute: '$pattern' not found in $input" >&2
                fi
                content="${content//"$pattern"/"$replacement"}" ;;
            --subst-var) local v="$2"; shift 2; content="${content//@$v@/${!v}}" ;;
            --subst-var-by) content="${content//@$2@/$3}"; shift 3 ;;
            *) echo "substitute: unknown argument $1" >&2; return 1 ;;
        esac
    done
    printf '%s' "$content" > "$output.tmp"; mv "$output.tmp" "$output"
}
substituteInPlace() {
    local file="$1"; shift
    substitute "$file" "$file" "$@"
}
substituteAll() {
    local input="$1" output="$2" var args=()
    for var in $(env | sed -n 's/^\([a-zA-Z_][a-zA-Z0-9_]*\)=.*/\1/p'); do args+=(--subst-var "$var"); done
    substitute "$input" "$output" "${args[@]}"
}

patchShebangs() {
    local f first interp rest new
    for f in $(find "$@" -type f -perm -0100 2>/dev/null); do
        first="$(head -c 2 "$f" 2>/dev/null || true)"
        [ "$first" = '#!' ] || continue
        read -r interp rest < <(head -n1 "$f" | cut -c3-)
        case "$interp" in /nix/store/*) continue ;; esac
        if [ "$(basename "$interp")" = env ]; then interp="$rest"; rest=""; fi
        new="$(type -P "$(basename "${interp%% *}")" || true)"
        [ -n "$new" ] || continue
        sed -i "1s|.*|#!$new${rest:+ $rest}|" "$f"
    done
}

# Inputs: each one's bin/ on PATH, its setup hook sourced, its propagated inputs followed.
declare -A _visited=()
_activatePkg() {
    local pkg="$1"
    [ -n "$pkg" ] || return 0
    [ -z "${_visited[$pkg]:-}" ] || return 0
    _visited[$pkg]=1
    local f
    for f in propagated-native-build-inputs propagated-build-inputs; do
        if [ -f "$pkg/nix-support/$f" ]; then
            local dep
            for dep in $(cat "$pkg/nix-support/$f"); do _activatePkg "$dep"; done
        fi
    done
    if [ -d "$pkg/bin" ]; then addToSearchPath _PATH "$pkg/bin"; fi
    if [ -f "$pkg" ]; then source "$pkg"
    elif [ -f "$pkg/nix-support/setup-hook" ]; then source "$pkg/nix-support/setup-hook"; fi
    local hook
    for hook in ${envHooks[@]+"${envHooks[@]}"}; do "$hook" "$pkg"; done
}
_PATH=""
for _pkg in ${nativeBuildInputs:-} ${propagatedNativeBuildInputs:-} ${buildInputs:-} ${propagatedBuildInputs:-}; do
    _activatePkg "$_pkg"
done
PATH="${_PATH:+$_PATH:}$PATH"
export PATH

unpackFile() {
    local f="$1"
    echo "unpacking source archive $f"
    case "$f" in
        *.zip|*.whl) unzip -qq "$f" ;;
        *.tar.gz|*.tgz) tar xzf "$f" ;;  # busybox tar: name the compression
        *.tar.bz2|*.tbz2) tar xjf "$f" ;;
        *.tar.xz|*.txz) tar xJf "$f" ;;
        *.tar) tar xf "$f" ;;
        *) if [ -d "$f" ]; then cp -pr -- "$f" "$(stripHash "$f")"; else
               echo "do not know how to unpack $f" >&2; return 1; fi ;;
    esac
}

unpackPhase() {
    runHook preUnpack
    local srcsArray=(${srcs:-${src:-}})
    if [ ${#srcsArray[@]} -eq 0 ]; then echo "variable \$src or \$srcs should point to the source" >&2; return 1; fi
    local before; before="$(ls -A)"
    local s; for s in "${srcsArray[@]}"; do unpackFile "$s"; done
    if [ -z "${sourceRoot:-}" ]; then
        local d
        for d in */; do
            case "$before" in *"${d%/}"*) continue ;; esac
            if [ -n "${sourceRoot:-}" ]; then echo "unpacker produced multiple directories" >&2; return 1; fi
            sourceRoot="${d%/}"
        done
    fi
    if [ -z "${sourceRoot:-}" ]; then echo "unpacker appears to have produced no directories" >&2; return 1; fi
    echo "source root is $sourceRoot"
    if [ "${dontMakeSourcesWritable:-0}" != 1 ]; then chmod -R u+w -- "$sourceRoot"; fi
    runHook postUnpack
}

patchPhase() {
    runHook prePatch
    local p
    for p in ${patches:-}; do
        echo "applying patch $p"
        patch ${patchFlags:--p1} < "$p"
    done
    runHook postPatch
}

configurePhase() {
    runHook preConfigure
    if [ -x "${configureScript:-./configure}" ]; then "${configureScript:-./configure}" --prefix="$out" ${configureFlags:-}; fi
    runHook postConfigure
}

buildPhase() {
    runHook preBuild
    if [ -f Makefile ] || [ -f makefile ]; then make ${makeFlags:-} ${buildFlags:-}; else echo "no Makefile, doing nothing"; fi
    runHook postBuild
}

checkPhase() { runHook preCheck; runHook postCheck; }
installCheckPhase() { runHook preInstallCheck; runHook postInstallCheck; }
distPhase() { runHook preDist; runHook postDist; }

installPhase() {
    runHook preInstall
    if [ -f Makefile ] || [ -f makefile ]; then make install ${installFlags:-}; else
        echo "installPhase: no Makefile and no installPhase given" >&2; return 1; fi
    runHook postInstall
}

fixupPhase() {
    local output
    for output in $outputs; do
        if [ -e "${!output}" ]; then chmod -R u+w,u-s,g-s "${!output}"; fi
    done
    runHook preFixup
    if [ -n "${propagatedBuildInputs:-}" ]; then
        mkdir -p "$out/nix-support"
        printf '%s ' $propagatedBuildInputs > "$out/nix-support/propagated-build-inputs"
    fi
    if [ -n "${propagatedNativeBuildInputs:-}" ]; then
        mkdir -p "$out/nix-support"
        printf '%s ' $propagatedNativeBuildInputs > "$out/nix-support/propagated-native-build-inputs"
    fi
    if [ -n "${setupHook:-}" ]; then
        mkdir -p "$out/nix-support"
        substituteAll "$setupHook" "$out/nix-support/setup-hook"
    fi
    if [ "${dontPatchShebangs:-}" != 1 ] && [ -d "$out/bin" ]; then patchShebangs "$out/bin"; fi
    runHook postFixup
}

showPhaseHeader() { echo "Running phase: $1"; }

genericBuild() {
    if [ -f "${buildCommandPath:-}" ]; then source "$buildCommandPath"; return; fi
    if [ -n "${buildCommand:-}" ]; then eval "$buildCommand"; return; fi
    if [ -z "${phases:-}" ]; then
        phases="${prePhases:-} unpackPhase patchPhase ${preConfigurePhases:-} \
            configurePhase ${preBuildPhases:-} buildPhase checkPhase \
            ${preInstallPhases:-} installPhase ${preFixupPhases:-} fixupPhase installCheckPhase \
            ${preDistPhases:-} distPhase ${postPhases:-}"
    fi
    local curPhase
    for curPhase in $phases; do
        case "$curPhase" in
            unpackPhase) [ -z "${dontUnpack:-}" ] || continue ;;
            patchPhase) [ -z "${dontPatch:-}" ] || continue ;;
            configurePhase) [ -z "${dontConfigure:-}" ] || continue ;;
            buildPhase) [ -z "${dontBuild:-}" ] || continue ;;
            checkPhase) [ -n "${doCheck:-}" ] || continue ;;
            installPhase) [ -z "${dontInstall:-}" ] || continue ;;
            fixupPhase) [ -z "${dontFixup:-}" ] || continue ;;
            installCheckPhase) [ -n "${doInstallCheck:-}" ] || continue ;;
            distPhase) [ -n "${doDist:-}" ] || continue ;;
        esac
        showPhaseHeader "$curPhase"
        # as in the real setup.sh: a variable of the phase's name (a function name or
        # shell code) beats the function of that name
        eval "${!curPhase:-$curPhase}"
        if [ "$curPhase" = unpackPhase ]; then
            [ -n "${sourceRoot:-}" ] && chmod +x "${sourceRoot}" && cd "${sourceRoot}"
        fi
    done
    for output in $outputs; do
        [ -e "${!output}" ] || { echo "builder did not produce $output (${!output})" >&2; return 1; }
    done
}

runHook postHook

# as the real setup.sh: the builder's own shell options come back (phases run without -u)
[[ $__nixpkgs_setup_set_original == *e* ]] || set +e
[[ $__nixpkgs_setup_set_original == *u* ]] || set +u
