# One customer-managed key per environment: logs, secrets, the bucket, RDS, ECR, SNS and backups.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "region" {
  description = "Region, for the CloudWatch Logs service principal."
  type        = string
}

variable "account_id" {
  description = "The AWS account that owns the key."
  type        = string
}

data "aws_iam_policy_document" "key" {
  # checkov:skip=CKV_AWS_109:A key policy's "*" resource means this key only; account-wide administration through IAM is AWS's default key policy.
  # checkov:skip=CKV_AWS_111:Same: in a key policy "*" is the key itself, and writes are limited to the account and the two service principals below.
  # checkov:skip=CKV_AWS_356:Same: a key policy cannot name its own key's ARN before the key exists; "*" is the documented form.
  # The account administers the key through IAM (AWS's default key policy).
  statement {
    sid       = "AccountAdministers"
    actions   = ["kms:*"]
    resources = ["*"]
    principals {
      type        = "AWS"
      identifiers = ["arn:aws:iam::${var.account_id}:root"]
    }
  }

  statement {
    sid = "CloudWatchLogsEncrypt"
    actions = [
      "kms:Encrypt*",
      "kms:Decrypt*",
      "kms:ReEncrypt*",
      "kms:GenerateDataKey*",
      "kms:Describe*",
    ]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["logs.${var.region}.amazonaws.com"]
    }
    condition {
      test     = "ArnLike"
      variable = "kms:EncryptionContext:aws:logs:arn"
      values   = ["arn:aws:logs:${var.region}:${var.account_id}:log-group:*"]
    }
  }

  statement {
    sid       = "CloudWatchAlarmsPublishToEncryptedTopic"
    actions   = ["kms:Decrypt", "kms:GenerateDataKey*"]
    resources = ["*"]
    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }
  }
}

resource "aws_kms_key" "this" {
  description             = "${var.name}: data at rest"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = data.aws_iam_policy_document.key.json
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}

output "key_arn" {
  description = "ARN of the environment's key."
  value       = aws_kms_key.this.arn
}
