#!/usr/bin/env bash
# Run ONE `python -m shared.ops ...` command in AWS as a Fargate task of the `ops` task
# definition, wait for it, print its output and exit with its exit code.
#
#   scripts/ecs-ops.sh staging -- dlq list
#   scripts/ecs-ops.sh production -- switch set sms.dispatch off
#   printf '%s\n' "$PASSWORD" | scripts/ecs-ops.sh staging --stdin -- \
#       create-user --email ana@origin.example --name "Ana Advisor" --role admin
#
# Audit: CloudTrail records who called RunTask and the command (the container override); the
# output stays in CloudWatch Logs (/ecs/origin-<env>/ops, KMS-encrypted, 365+ days). With
# --stdin the first line of this script's stdin is put in the origin-<env>/ops-input secret
# (never in the command, so never in CloudTrail), handed to the command's stdin by ECS, and
# emptied again when the task has stopped.
#
# Needs: aws CLI v2 and jq, credentials of an operator allowed ecs:RunTask on the ops family,
# iam:PassRole on its roles, logs:GetLogEvents on its log group (and, for --stdin,
# secretsmanager:PutSecretValue on ops-input).
set -euo pipefail

usage() {
    echo "usage: $0 staging|production [--stdin] -- <shared.ops arguments>" >&2
    exit 64
}

[[ $# -ge 2 ]] || usage
environment=$1
shift
[[ $environment == staging || $environment == production ]] || usage
with_stdin=false
if [[ ${1:-} == --stdin ]]; then
    with_stdin=true
    shift
fi
[[ ${1:-} == -- ]] || usage
shift
[[ $# -ge 1 ]] || usage

cluster="origin-${environment}"
family="${cluster}-ops"
input_secret="${cluster}/ops-input"

# The arguments as a JSON array (NUL-separated through jq, so "--all" stays an argument).
arguments=$(printf '%s\0' "$@" | jq -Rsc 'split("\u0000") | if length > 0 and last == "" then .[:-1] else . end')

if $with_stdin; then
    IFS= read -r line || true
    aws secretsmanager put-secret-value --secret-id "$input_secret" \
        --secret-string "$(jq -cn --arg value "$line" '{OPS_STDIN: $value}')" >/dev/null
    unset line
    # Emptied whatever happens next (the task holds its copy from its start).
    trap 'aws secretsmanager put-secret-value --secret-id "$input_secret" \
        --secret-string "{\"OPS_STDIN\": \"\"}" >/dev/null' EXIT
    # sh hands the secret to the command's stdin; "$@" are the shared.ops arguments.
    # shellcheck disable=SC2016 # expanded by the container's sh, not here
    command_json=$(jq -cn --argjson arguments "$arguments" \
        '["sh", "-c", "printf \"%s\\n\" \"$OPS_STDIN\" | exec python -m shared.ops \"$@\"", "shared.ops"] + $arguments')
else
    command_json=$(jq -cn --argjson arguments "$arguments" '["python", "-m", "shared.ops"] + $arguments')
fi

# Same subnets and security group as the services (the database and broker admit that group).
network=$(aws ecs describe-services --cluster "$cluster" --services bff \
    --query 'services[0].networkConfiguration' --output json)
overrides=$(jq -cn --argjson command "$command_json" '{containerOverrides: [{name: "ops", command: $command}]}')
caller=$(aws sts get-caller-identity --query Arn --output text)
started_by=$(printf 'ops-%s' "${caller##*/}" | tr -c 'A-Za-z0-9_-' '-' | cut -c1-36)

task=$(aws ecs run-task --cluster "$cluster" --launch-type FARGATE --task-definition "$family" \
    --network-configuration "$network" --overrides "$overrides" --started-by "$started_by" \
    --query 'tasks[0].taskArn' --output text)
echo "ops task ${task##*/} started by ${caller}: shared.ops $*" >&2
aws ecs wait tasks-stopped --cluster "$cluster" --tasks "$task"

code=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
    --query 'tasks[0].containers[0].exitCode' --output text)
aws logs get-log-events --log-group-name "/ecs/${cluster}/ops" \
    --log-stream-name "ops/ops/${task##*/}" --start-from-head \
    --query 'events[*].message' --output json | jq -r '.[]'
if [[ ! $code =~ ^[0-9]+$ ]]; then
    reason=$(aws ecs describe-tasks --cluster "$cluster" --tasks "$task" \
        --query 'tasks[0].stoppedReason' --output text)
    echo "the ops task stopped without an exit code: $reason" >&2
    exit 1
fi
exit "$code"
