# Secrets Manager secrets. Terraform creates the containers; their values are put out of band
# (RUNBOOK.md, "Configuration and secrets") so no credential sits in code or plan output.
# The one exception is the Amazon MQ admin password, which Terraform must hand to the broker.

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

locals {
  # Keys of the SMS provider (Twilio-shaped: connectors/sms/config.py) secret, injected into the
  # roles that talk to the provider: the auth token also verifies its webhook signatures.
  sms_secret_keys = ["SMS_ACCOUNT_SID", "SMS_AUTH_TOKEN"]
}

resource "aws_secretsmanager_secret" "app" {
  # checkov:skip=CKV2_AWS_57:Holds connection URLs and third-party keys rotated by their owners' procedures (RUNBOOK.md); no Lambda rotator exists for them.
  name        = "${var.name}/app"
  description = "JSON: DATABASE_URL, AMQP_URL, SENTRY_DSN, NEW_RELIC_LICENSE_KEY"
  kms_key_id  = var.kms_key_arn
}

# Only staging and production get the SMS provider's credentials: the secret exists nowhere else.
resource "aws_secretsmanager_secret" "sms" {
  # checkov:skip=CKV2_AWS_57:The SMS provider issues and rotates these keys in its console; the run book says how to put the new value.
  count       = var.sms_enabled ? 1 : 0
  name        = "${var.name}/sms-provider"
  description = "JSON: ${join(", ", local.sms_secret_keys)}"
  kms_key_id  = var.kms_key_arn
}

resource "aws_secretsmanager_secret" "mq_admin" {
  # checkov:skip=CKV2_AWS_57:Amazon MQ users are changed through the broker API, not a rotation Lambda; the run book describes the change.
  name        = "${var.name}/amazon-mq-admin"
  description = "Amazon MQ admin user (broker setup only; the roles use their own user in AMQP_URL)"
  kms_key_id  = var.kms_key_arn
}

output "app_secret_arn" {
  description = "The roles' settings overlay."
  value       = aws_secretsmanager_secret.app.arn
}

output "sms_secret_arn" {
  description = "SMS provider credentials; null outside staging and production."
  value       = var.sms_enabled ? aws_secretsmanager_secret.sms[0].arn : null
}

output "sms_secret_keys" {
  description = "Keys of the SMS provider secret."
  value       = local.sms_secret_keys
}

output "mq_admin_secret_id" {
  description = "Where the broker's admin password is kept."
  value       = aws_secretsmanager_secret.mq_admin.id
}
