#!/usr/bin/env bash
# Static checks of what ships: checkov over terraform/ (once per environment), the Dockerfiles
# and .circleci/config.yml (docker-compose.yml is checked by tests/unit/test_shipping.py).
# checkov pins libraries that clash with ours, so it lives in its own virtualenv (.venv-checkov,
# installed from requirements/checkov.txt) and runs offline (--skip-download).
# A finding is either fixed or skipped in the code with a written reason; anything else fails.
set -euo pipefail

cd "$(dirname "$0")/.."
VENV=.venv-checkov
LOCK=requirements/checkov.txt
STAMP="$VENV/.installed-$(sha1sum "$LOCK" | cut -c1-12)"

if [[ ! -f "$STAMP" ]]; then
    test -x "$VENV/bin/python" || python3 -m venv "$VENV"
    # (pip's notes about absent local mirrors in this machine's pip.conf are noise)
    quiet_pip() {
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check "$@" \
            2> >(grep -v "is neither a file nor a directory" >&2)
    }
    quiet_pip --upgrade pip
    quiet_pip -r "$LOCK"
    rm -f "$VENV"/.installed-* && touch "$STAMP"
fi

# No network beyond package registries: no policy downloads, no API key, no telemetry.
export BC_SKIP_MAPPING=TRUE CHECKOV_RUN_SCA_PACKAGE_SCAN_V2=false LOG_LEVEL=WARNING
checkov() { "$VENV/bin/checkov" --skip-download --quiet --compact "$@"; }

# Terraform once per environment, so each variable file's values are what is checked.
for tfvars in terraform/environments/*.tfvars; do
    echo "== checkov: terraform with $tfvars"
    checkov --framework terraform --directory terraform --var-file "$tfvars"
done

# Files given with --directory make checkov ignore --file, hence a separate run.
dockerfiles=(Dockerfile)
[[ -f webapp/Dockerfile ]] && dockerfiles+=(webapp/Dockerfile)
echo "== checkov: ${dockerfiles[*]} .circleci/config.yml"
checkov --framework dockerfile circleci_pipelines \
    "${dockerfiles[@]/#/--file=}" --file=.circleci/config.yml
echo "check-infra: checkov found no unskipped failure"
