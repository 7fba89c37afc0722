# Least privilege: one execution role (pull the image, write its logs, read its secrets at
# start) and one task role per role with only the bucket access that role needs.

variable "name" {
  description = "Prefix of every role name."
  type        = string
}

variable "roles" {
  description = "Role => S3 access it needs: none, read or read-write."
  type        = map(string)

  validation {
    condition     = alltrue([for access in values(var.roles) : contains(["none", "read", "read-write"], access)])
    error_message = "S3 access is none, read or read-write."
  }
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
  description = "Role => log group ARN."
  type        = map(string)
}

variable "app_secret_arn" {
  description = "The roles' settings secret."
  type        = string
}

variable "sms_secret_arn" {
  description = "SMS provider secret (staging and production only), or null."
  type        = string
  default     = null
}

variable "bucket_arn" {
  description = "Files bucket."
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
    resources = compact([var.app_secret_arn, var.sms_secret_arn])
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

data "aws_iam_policy_document" "task" {
  for_each = { for role, access in var.roles : role => access if access != "none" }

  statement {
    sid       = "ListTheBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.bucket_arn]
  }

  statement {
    sid       = "ReadObjects"
    actions   = ["s3:GetObject"]
    resources = ["${var.bucket_arn}/*"]
  }

  dynamic "statement" {
    for_each = each.value == "read-write" ? [1] : []
    content {
      sid       = "WriteObjects"
      actions   = ["s3:PutObject", "s3:AbortMultipartUpload"]
      resources = ["${var.bucket_arn}/*"]
    }
  }

  statement {
    sid       = "UseTheBucketKey"
    actions   = each.value == "read-write" ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
    resources = [var.kms_key_arn]
  }
}

resource "aws_iam_role_policy" "task" {
  for_each = data.aws_iam_policy_document.task
  name     = "files-bucket"
  role     = aws_iam_role.task[each.key].id
  policy   = each.value.json
}

output "execution_role_arn" {
  description = "The ECS agent's role."
  value       = aws_iam_role.execution.arn
}

output "task_role_arns" {
  description = "Role => task role ARN."
  value       = { for role, iam_role in aws_iam_role.task : role => iam_role.arn }
}
