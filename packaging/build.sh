#!/usr/bin/env bash
# Builds the NN Studio one-folder bundle for this machine's OS (Linux or macOS) from a fresh
# virtual environment, then runs the bundle's own --self-test. Windows: packaging/build.ps1.
#
#     packaging/build.sh      ->  dist/nnstudio/ (Linux), dist/NN Studio.app (macOS)
#
# Settings (environment):
#   PYTHON            the interpreter to build with (default python3; 3.10 to 3.13)
#   BUILD_VENV        where the throwaway venv goes (default $TMPDIR/nnstudio-bundle-venv, outside
#                     the repository); it is deleted and made anew on every run
#   TORCH_INDEX_URL   a package index for CPU-only torch wheels; the Linux wheels on the default
#                     index pull in CUDA, gigabytes the app has no use for (the CI sets it)
#   NNSTUDIO_BUNDLE_UNTRIMMED=1   build without the spec's exclusions (to measure what they save)
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${BUILD_VENV:-${TMPDIR:-/tmp}/nnstudio-bundle-venv}
TORCH_VERSION=2.13.0
PYINSTALLER_VERSION=6.22.3

started=$(date +%s)
echo "== fresh venv in $VENV"
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
PY="$VENV/bin/python"
"$PY" -m pip install -q --upgrade pip

echo "== torch $TORCH_VERSION (CPU)"
# First and pinned: the project's unpinned `torch` requirement is then already met.
torch_index=()
if [ -n "${TORCH_INDEX_URL:-}" ]; then torch_index=(--index-url "$TORCH_INDEX_URL"); fi
"$PY" -m pip install -q "torch==$TORCH_VERSION" ${torch_index[@]+"${torch_index[@]}"}

echo "== the project and PyInstaller"
# A real (not editable) install: the bundle must not depend on this checkout.
"$PY" -m pip install -q .
"$PY" -m pip install -q "pyinstaller==$PYINSTALLER_VERSION"
rm -rf build/nnstudio dist/nnstudio "dist/NN Studio.app"

echo "== PyInstaller"
"$PY" -m PyInstaller --noconfirm --clean --log-level WARN packaging/nnstudio.spec
built=$(date +%s)

if [ "$(uname -s)" = Darwin ]; then
    bundle="dist/NN Studio.app"
    executable="$bundle/Contents/MacOS/nnstudio"
else
    bundle="dist/nnstudio"
    executable="$bundle/nnstudio"
fi

if [ "$(uname -s)" = Linux ]; then
    echo "== libraries"
    "$PY" packaging/check_bundle.py "$bundle"
fi

echo "== self-test of $executable"
QT_QPA_PLATFORM=offscreen "$executable" --self-test

echo "== done in $((built - started)) s (build) + $(($(date +%s) - built)) s (self-test)"
du -sh "$bundle"
if [ "$(uname -s)" = Linux ]; then
    size_mib=$(du -sm "$bundle" | cut -f1)
    if [ "$size_mib" -gt 750 ]; then
        echo "build.sh: the bundle takes $size_mib MiB, over the 750 MiB limit" >&2
        exit 1
    fi
fi
