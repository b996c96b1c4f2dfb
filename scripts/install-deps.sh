#!/usr/bin/env bash
# Installs the Debian packages rat needs to build and test, if they are missing. Idempotent.
set -euo pipefail
missing=()
# OpenBLAS is loaded at run time (Sources/CBLAS): the shared library is what must be there.
/sbin/ldconfig -p | grep -q 'libopenblas\.so\.0 ' || missing+=(libopenblas-dev)
command -v python3 >/dev/null || missing+=(python3)
# The page's tests drive a real headless browser.
[[ -x /usr/bin/chromium ]] || missing+=(chromium)
[[ -x /usr/bin/chromedriver ]] || missing+=(chromium-driver)
# The page's search engine is also checked under node (tools/page/check_engine.js).
command -v node >/dev/null || missing+=(nodejs)
# The tutorials' commands (Sources/ReverseAttention/ReverseAttention.docc/Resources/*.sh).
command -v curl >/dev/null || missing+=(curl)
command -v jq >/dev/null || missing+=(jq)
if ((${#missing[@]})); then
    echo "install-deps: installing ${missing[*]}" >&2
    SUDO=""; [[ $(id -u) -eq 0 ]] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# rat batch's test runs a real one-node Slurm cluster (slurm-wlm and munge).
"$(dirname "$0")/slurm-cluster.sh" install
