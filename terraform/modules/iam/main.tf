# Least privilege: one execution role (pull the image, write its logs, read its secrets at
# start) and one task role per role with only the bucket prefixes and the email sending that
# role's code needs (terraform/workload.tf), plus an empty task role for the ops task.

variable "name" {
  description = "Prefix of every role name."
  type        = string
}

variable "region" {
  description = "Region of the SES identity."
  type        = string
}

variable "account_id" {
  description = "Account of the SES identity."
  type        = string
}

variable "roles" {
  description = "Role => {s3_read, s3_write (object key patterns in the files bucket), sends_email}."
  type        = map(object({ s3_read = list(string), s3_write = list(string), sends_email = bool }))
}

variable "kms_key_arn" {
  description = "The environment's key."
  type        = string
}

variable "ecr_repository_arn" {
  description = "The image repository."
  type        = string
}

variable "log_group_arns" {
  description = "Role (and migrate, ops) => log group ARN."
  type        = map(string)
}

variable "secret_arns" {
  description = "Every secret a task definition injects."
  type        = list(string)
}

variable "bucket_arn" {
  description = "Files bucket."
  type        = string
}

variable "email_identity" {
  description = "SES identity (the sender's domain) the email-sending roles may send from."
  type        = string
}

variable "email_from_address" {
  description = "The only From address they may use."
  type        = string
}

data "aws_iam_policy_document" "ecs_tasks_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["ecs-tasks.amazonaws.com"]
    }
  }
}

# ----- execution role: used by the ECS agent, never by our code -------------------------------

resource "aws_iam_role" "execution" {
  name               = "${var.name}-ecs-execution"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

data "aws_iam_policy_document" "execution" {
  statement {
    sid       = "AuthenticateToEcr"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # the action has no resource-level permission
  }

  statement {
    sid       = "PullTheImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "WriteTaskLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = [for arn in values(var.log_group_arns) : "${arn}:*"]
  }

  statement {
    sid       = "InjectSecrets"
    actions   = ["secretsmanager:GetSecretValue"]
    resources = var.secret_arns
  }

  statement {
    sid       = "DecryptSecretsAndImage"
    actions   = ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "execution" {
  name   = "pull-log-inject"
  role   = aws_iam_role.execution.id
  policy = data.aws_iam_policy_document.execution.json
}

# ----- task roles: what each role's code may do ---------------------------------------------

resource "aws_iam_role" "task" {
  for_each           = var.roles
  name               = "${var.name}-${each.key}"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

locals {
  with_permissions = {
    for role, spec in var.roles : role => spec
    if length(spec.s3_read) + length(spec.s3_write) > 0 || spec.sends_email
  }
}

data "aws_iam_policy_document" "task" {
  for_each = local.with_permissions

  dynamic "statement" {
    for_each = length(each.value.s3_read) > 0 ? [1] : []
    content {
      sid       = "ReadObjects"
      actions   = ["s3:GetObject"]
      resources = [for pattern in each.value.s3_read : "${var.bucket_arn}/${pattern}"]
    }
  }

  dynamic "statement" {
    for_each = length(each.value.s3_write) > 0 ? [1] : []
    content {
      sid       = "WriteObjects"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = [for pattern in each.value.s3_write : "${var.bucket_arn}/${pattern}"]
    }
  }

  # The bucket's default encryption is this key: reading decrypts, writing makes a data key
  # (a presigned PUT is authorised as the role that signed it).
  dynamic "statement" {
    for_each = length(each.value.s3_read) + length(each.value.s3_write) > 0 ? [1] : []
    content {
      sid       = "UseTheBucketKey"
      actions   = length(each.value.s3_write) > 0 ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
      resources = [var.kms_key_arn]
    }
  }

  dynamic "statement" {
    for_each = each.value.sends_email ? [1] : []
    content {
      sid       = "SendVerificationEmail"
      actions   = ["ses:SendEmail", "ses:SendRawEmail"]
      resources = ["arn:aws:ses:${var.region}:${var.account_id}:identity/${var.email_identity}"]
      condition {
        test     = "StringEquals"
        variable = "ses:FromAddress"
        values   = [var.email_from_address]
      }
    }
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = data.aws_iam_policy_document.task
  name     = "task"
  role     = aws_iam_role.task[each.key].id
  policy   = each.value.json
}

# The ops task (scripts/ecs-ops.sh) talks to Postgres and the broker only: no AWS permission.
resource "aws_iam_role" "ops" {
  name               = "${var.name}-ops"
  assume_role_policy = data.aws_iam_policy_document.ecs_tasks_assume.json
}

output "execution_role_arn" {
  description = "The ECS agent's role."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Role => task role ARN."
  value       = { for role, iam_role in aws_iam_role.task : role => iam_role.arn }
}

output "ops_task_role_arn" {
  description = "Task role of the ops task."
  value       = aws_iam_role.ops.arn
}
