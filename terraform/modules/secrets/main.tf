# Secrets Manager secrets. Terraform creates the containers; their values are put out of band
# (RUNBOOK.md, "Secrets: creation and rotation") so no credential sits in code or plan output.
# The one exception is the Amazon MQ admin password, which Terraform must hand to the broker.
# Which JSON keys each secret must hold is listed once, in modules/task_environment.

variable "name" {
  description = "Prefix of the secret names."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts every secret."
  type        = string
}

variable "sms_enabled" {
  description = "Whether this environment may reach the real SMS provider (staging and production only)."
  type        = bool
}

variable "secret_keys" {
  description = "Secret => the JSON keys it holds (modules/task_environment output secret_keys)."
  type        = map(list(string))
}

resource "aws_secretsmanager_secret" "app" {
  # checkov:skip=CKV2_AWS_57:Connection URLs, our own tokens and encryption keys are rotated by the run book's procedure (RUNBOOK.md, "Secrets: creation and rotation"); no Lambda rotator exists for them.
  name        = "${var.name}/app"
  description = "JSON: ${join(", ", var.secret_keys["app"])}"
  kms_key_id  = var.kms_key_arn
}

# Only staging and production get the SMS provider's credentials: the secret exists nowhere else.
resource "aws_secretsmanager_secret" "sms" {
  # checkov:skip=CKV2_AWS_57:The SMS provider issues and rotates these keys in its console; the run book says how to put the new value.
  count       = var.sms_enabled ? 1 : 0
  name        = "${var.name}/sms-provider"
  description = "JSON: ${join(", ", var.secret_keys["sms"])}"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret" "aggregation" {
  # checkov:skip=CKV2_AWS_57:The aggregation provider issues and rotates its secret in its dashboard; the run book says how to put the new value.
  name        = "${var.name}/aggregation-provider"
  description = "JSON: ${join(", ", var.secret_keys["aggregation"])}"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret" "scheduling" {
  # checkov:skip=CKV2_AWS_57:The scheduling provider issues its API token and webhook signing key; the run book says how to put new values.
  name        = "${var.name}/scheduling-provider"
  description = "JSON: ${join(", ", var.secret_keys["scheduling"])}"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret" "mq_admin" {
  # checkov:skip=CKV2_AWS_57:Amazon MQ users are changed through the broker API, not a rotation Lambda; the run book describes the change.
  name        = "${var.name}/amazon-mq-admin"
  description = "Amazon MQ admin user (broker setup only; the roles use their own user in AMQP_URL)"
  kms_key_id  = var.kms_key_arn
}

# stdin of one ops command (scripts/ecs-ops.sh --stdin-from-secret), e.g. the first admin's
# password for `create-user`: put just before the run, emptied right after. Terraform writes
# only the empty shape (ECS refuses to start a task whose secret lacks a key it names).
resource "aws_secretsmanager_secret" "ops_input" {
  # checkov:skip=CKV2_AWS_57:Holds a value only for the minutes one ops command runs and is emptied right after (RUNBOOK.md, "Operator commands in AWS"); nothing long-lived to rotate.
  name        = "${var.name}/ops-input"
  description = "JSON: OPS_STDIN (stdin of one ops command; empty between runs)"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret_version" "ops_input" {
  secret_id     = aws_secretsmanager_secret.ops_input.id
  secret_string = jsonencode({ OPS_STDIN = "" })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

output "arns" {
  description = "Secret => ARN of the secrets the task definitions inject (sms is null outside staging and production)."
  value = {
    app         = aws_secretsmanager_secret.app.arn
    sms         = var.sms_enabled ? aws_secretsmanager_secret.sms[0].arn : null
    aggregation = aws_secretsmanager_secret.aggregation.arn
    scheduling  = aws_secretsmanager_secret.scheduling.arn
  }
}

output "mq_admin_secret_id" {
  description = "Where the broker's admin password is kept."
  value       = aws_secretsmanager_secret.mq_admin.id
}

output "mq_admin_secret_arn" {
  description = "The broker admin secret's ARN (the ops task reads it to create the application user)."
  value       = aws_secretsmanager_secret.mq_admin.arn
}

output "ops_input_secret_arn" {
  description = "stdin of one ops command."
  value       = aws_secretsmanager_secret.ops_input.arn
}
