#!/usr/bin/env bash
# Checks of what ships. First terraform itself, where it is on PATH: fmt, init (offline from a
# plugin mirror when there is one), validate, and terraform test with a mocked AWS provider once
# per environment's tfvars (terraform/tests/). Then checkov over terraform/ (once per
# environment), the Dockerfiles and .circleci/config.yml (docker-compose.yml is checked by
# tests/unit/test_shipping.py; tests/deploy/ starts the roles as the task definitions would).
# checkov pins libraries that clash with ours, so it lives in its own virtualenv (.venv-checkov,
# installed from requirements/checkov.txt) and runs offline (--skip-download).
# A finding is either fixed or skipped in the code with a written reason; anything else fails.
set -euo pipefail

cd "$(dirname "$0")/.."

# ----- terraform ------------------------------------------------------------------------------
# init and test write .terraform/, a lock file and test state: they run in a throw-away copy so
# nothing is left in the tree. TF_PLUGIN_DIR (default /opt/tf-plugins) is used when it exists;
# elsewhere (CircleCI) init downloads the providers.
if command -v terraform >/dev/null 2>&1; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
    export TF_IN_AUTOMATION=1 TF_INPUT=0 TF_CLI_CONFIG_FILE=/dev/null TF_DATA_DIR="$work/.terraform"
    echo "== terraform $(terraform version | head -1 | cut -d' ' -f2): fmt, init, validate, test"
    terraform fmt -check -recursive -diff terraform
    tar --exclude=.terraform --exclude='.terraform.lock.hcl' --exclude='*.tfstate*' -cf - terraform \
        | tar -xf - -C "$work"
    plugins=()
    [[ -d "${TF_PLUGIN_DIR:-/opt/tf-plugins}" ]] && plugins=(-plugin-dir="${TF_PLUGIN_DIR:-/opt/tf-plugins}")
    (
        cd "$work/terraform"
        terraform init -backend=false "${plugins[@]}" -no-color >"$work/init.log" 2>&1 \
            || { cat "$work/init.log"; exit 1; }
        terraform validate -no-color
        for tfvars in environments/*.tfvars; do
            echo "== terraform test with $tfvars"
            terraform test -no-color -var-file="$tfvars" >"$work/test.log" 2>&1 \
                || { cat "$work/test.log"; exit 1; }
            tail -1 "$work/test.log"
        done
    )
else
    echo "== terraform: not on PATH, skipped (fmt, init, validate, test); install terraform >= 1.7 to run them"
fi

# ----- checkov --------------------------------------------------------------------------------
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
