#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder's Docker image
# (Ubuntu base image; the autograder zip is unpacked in /autograder/source, which holds
# the library, exercises/grade.py, exercises/grading/ and requirements.txt; see
# exercises/gradescope/README.md). It installs Python and the project's requirements
# into a virtual environment of its own, /opt/groupconv-venv, which run_autograder uses.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
SOURCE=/autograder/source

apt-get update
# util-linux gives `unshare` (the grader's sandbox uses namespaces where the container allows them).
apt-get install -y --no-install-recommends python3 python3-venv python3-pip util-linux ca-certificates

python3 -m venv /opt/groupconv-venv
/opt/groupconv-venv/bin/python -m pip install --upgrade pip
/opt/groupconv-venv/bin/python -m pip install -r "$SOURCE/requirements.txt"

# The sandbox runs submissions as the user nobody when the grader is root: nobody must be
# able to read the interpreter, the library and NumPy (every folder above them o+rx).
chmod -R a+rX /opt/groupconv-venv "$SOURCE"
chmod a+rx /autograder "$SOURCE"

# A smoke test at build time: the grader starts and knows its exercises.
/opt/groupconv-venv/bin/python "$SOURCE/exercises/grade.py" --help > /dev/null
