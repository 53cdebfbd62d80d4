#!/usr/bin/env bash
# Gradescope runs this once, as root, while it builds the autograder image.
# It installs backprop-katas from /autograder/source (the unpacked zip) into its own
# virtual environment, /autograder/venv, which run_autograder uses.
set -euo pipefail

ROOT="${AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
VENV="$ROOT/venv"

apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip

# A virtual environment: newer Ubuntu images refuse system-wide pip installs (PEP 668).
python3 -m venv "$VENV"
"$VENV/bin/python" -m pip install --upgrade pip

# torch is pinned in pyproject.toml. Install exactly that release from PyTorch's CPU
# index first: from PyPI, Linux gets the multi-GB CUDA build, useless here.
TORCH_PIN="$(grep -o '"torch==[^"]*"' "$SOURCE/pyproject.toml" | tr -d '"')"
"$VENV/bin/python" -m pip install "$TORCH_PIN" --index-url https://download.pytorch.org/whl/cpu
"$VENV/bin/python" -m pip install "$SOURCE"

# Fail the image build now rather than at the first submission: the reference
# solutions must grade green on this image.
"$VENV/bin/python" -m grader grade --all --reference > /dev/null
echo "backprop-katas is installed in $VENV"
