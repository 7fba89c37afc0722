# CircleCI deploys with short-lived credentials: its OIDC tokens are trusted by this account
# (one identity provider per account and issuer), and only this project's master branch may
# assume the deploy role, which may do exactly what .circleci/config.yml's deploy job does.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "region" {
  description = "Region of the cluster."
  type        = string
}

variable "account_id" {
  description = "This account."
  type        = string
}

variable "organization_id" {
  description = "CircleCI organization id: issuer oidc.circleci.com/org/<id> and the tokens' audience."
  type        = string
}

variable "project_id" {
  description = "CircleCI project id: the only project whose tokens are accepted."
  type        = string
}

variable "ecr_repository_arn" {
  description = "Where the image is pushed."
  type        = string
}

variable "cluster_arn" {
  description = "The ECS cluster."
  type        = string
}

variable "service_arns" {
  description = "The services the deploy updates."
  type        = list(string)
}

variable "migrate_task_family" {
  description = "Task definition family the deploy runs before updating the services."
  type        = string
}

variable "pass_role_arns" {
  description = "Execution and task roles the new task definition revisions name."
  type        = list(string)
}

variable "migrate_log_group_arn" {
  description = "Log group of the migrate task (the deploy prints its output)."
  type        = string
}

variable "webapp_bucket_arn" {
  description = "Bucket of the console's assets."
  type        = string
}

variable "webapp_distribution_arn" {
  description = "CloudFront distribution of the console."
  type        = string
}

locals {
  issuer = "oidc.circleci.com/org/${var.organization_id}"
}

resource "aws_iam_openid_connect_provider" "circleci" {
  url            = "https://${local.issuer}"
  client_id_list = [var.organization_id]
}

data "aws_iam_policy_document" "assume" {
  statement {
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = [aws_iam_openid_connect_provider.circleci.arn]
    }
    condition {
      test     = "StringEquals"
      variable = "${local.issuer}:aud"
      values   = [var.organization_id]
    }
    # CIRCLE_OIDC_TOKEN_V2's subject names the project and the branch.
    condition {
      test     = "StringLike"
      variable = "${local.issuer}:sub"
      values   = ["org/${var.organization_id}/project/${var.project_id}/user/*/vcs-origin/*/vcs-ref/refs/heads/master"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  name                 = "${var.name}-circleci-deploy"
  description          = "CircleCI deploy job (master of one project): push the image, migrate, roll out, publish the console"
  assume_role_policy   = data.aws_iam_policy_document.assume.json
  max_session_duration = 3600
}

data "aws_iam_policy_document" "deploy" {
  # checkov:skip=CKV_AWS_356:ecr:GetAuthorizationToken, ecs:RegisterTaskDefinition and ecs:DescribeTaskDefinition have no resource-level permissions; every other statement names its resources.
  # checkov:skip=CKV_AWS_111:Same: RegisterTaskDefinition accepts no resource ARN; what a revision may run is bounded by the PassRole statement.
  statement {
    sid       = "AuthenticateToEcr"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"]
  }

  statement {
    sid = "PushTheImage"
    actions = [
      "ecr:BatchCheckLayerAvailability",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
      "ecr:BatchGetImage",
      "ecr:DescribeImages",
    ]
    resources = [var.ecr_repository_arn]
  }

  statement {
    sid       = "RegisterRevisions"
    actions   = ["ecs:DescribeTaskDefinition", "ecs:RegisterTaskDefinition"]
    resources = ["*"]
  }

  statement {
    sid       = "RollOut"
    actions   = ["ecs:DescribeServices", "ecs:UpdateService"]
    resources = var.service_arns
  }

  statement {
    sid       = "RunTheMigration"
    actions   = ["ecs:RunTask"]
    resources = ["arn:aws:ecs:${var.region}:${var.account_id}:task-definition/${var.migrate_task_family}:*"]
    condition {
      test     = "ArnEquals"
      variable = "ecs:cluster"
      values   = [var.cluster_arn]
    }
  }

  statement {
    sid       = "FollowTheMigration"
    actions   = ["ecs:DescribeTasks"]
    resources = ["arn:aws:ecs:${var.region}:${var.account_id}:task/${element(split("/", var.cluster_arn), 1)}/*"]
  }

  statement {
    sid       = "PassOnlyTheTaskRoles"
    actions   = ["iam:PassRole"]
    resources = var.pass_role_arns
    condition {
      test     = "StringEquals"
      variable = "iam:PassedToService"
      values   = ["ecs-tasks.amazonaws.com"]
    }
  }

  statement {
    sid       = "PrintTheMigrationLog"
    actions   = ["logs:GetLogEvents"]
    resources = ["${var.migrate_log_group_arn}:*"]
  }

  statement {
    sid       = "ListTheConsoleBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.webapp_bucket_arn]
  }

  statement {
    sid       = "SyncTheConsole"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.webapp_bucket_arn}/*"]
  }

  statement {
    sid       = "InvalidateTheConsole"
    actions   = ["cloudfront:CreateInvalidation", "cloudfront:GetInvalidation"]
    resources = [var.webapp_distribution_arn]
  }
}

resource "aws_iam_role_policy" "deploy" {
  name   = "deploy"
  role   = aws_iam_role.deploy.id
  policy = data.aws_iam_policy_document.deploy.json
}

output "deploy_role_arn" {
  description = "AWS_ROLE_ARN of the CircleCI context of this environment."
  value       = aws_iam_role.deploy.arn
}
