# The files bucket (eligibility files in, reports out) and the bucket that keeps access logs.
# Both are `modules/bucket` (public access blocked, versioned, encrypted, HTTPS only); what is
# theirs alone (lifecycle, CORS, who may write logs) is here.

variable "name" {
  description = "Prefix of the bucket names."
  type        = string
}

variable "kms_key_arn" {
  description = "Key of the files bucket."
  type        = string
}

variable "console_origin" {
  description = "Origin of the advisor console (https://app.<domain>): the only one that may PUT rosters through presigned URLs."
  type        = string
}

data "aws_elb_service_account" "current" {}

# ----- files: eligibility-uploads/ (employers' rosters and their <key>.report.csv) -----------

module "files" {
  # checkov:skip=CKV_AWS_144:The run book places the system in one region; durability comes from S3 itself plus versioning, and cross-region copies of member data would need a data-residency review first.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to bucket events: the gateway records each upload in Postgres and publishes an event through the outbox.
  source      = "../bucket"
  bucket      = "${var.name}-files"
  kms_key_arn = var.kms_key_arn
  access_log  = { bucket = module.logs.id, prefix = "s3/files/" }
}

# The console uploads rosters straight from the browser through a presigned PUT (the bff signs
# it), so the bucket must answer that origin's CORS preflight; nothing else is cross-origin.
resource "aws_s3_bucket_cors_configuration" "files" {
  bucket = module.files.id

  cors_rule {
    allowed_methods = ["PUT"]
    allowed_origins = [var.console_origin]
    allowed_headers = ["content-type"]
    expose_headers  = ["ETag"]
    max_age_seconds = 600
  }
}

resource "aws_s3_bucket_lifecycle_configuration" "files" {
  bucket = module.files.id

  rule {
    id     = "whole-bucket-hygiene"
    status = "Enabled"
    filter {}
    # Overwritten or deleted objects stay recoverable for 30 days, then go.
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 7
    }
  }

  # The bff presigns uploads under eligibility-uploads/<employer>/<uuid>.csv (bff/employers/routes.py)
  # and the worker writes each roster's report next to it as <key>.report.csv
  # (gateway/eligibility/flows.py), so one prefix holds both. Lifecycle filters cannot match a
  # suffix: a roster submitted under another key of the bucket (and its report) is kept until
  # deleted by hand.
  rule {
    id     = "eligibility-uploads"
    status = "Enabled"
    filter {
      prefix = "eligibility-uploads/"
    }
    # Applied to Postgres within minutes; roster and report are kept for disputes, then deleted
    # (they hold salaries and birth dates).
    transition {
      days          = 30
      storage_class = "STANDARD_IA"
    }
    expiration {
      days = 180
    }
  }
}

# ----- logs: ALB and S3 access logs --------------------------------------------------------

module "logs" {
  # checkov:skip=CKV_AWS_18:This is the access-log bucket itself; logging it into itself would loop.
  # checkov:skip=CKV_AWS_144:Access logs stay in the system's one region.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to new log objects; they are read on demand (Athena).
  # checkov:skip=CKV_AWS_145:ALB access logs can only be delivered to buckets encrypted with SSE-S3 (AES256), not KMS.
  # checkov:skip=CKV2_AWS_61:The lifecycle is aws_s3_bucket_lifecycle_configuration.logs below; checkov 3 credits every module.<name>.id of a file to the first call of the same module (files), so it cannot see it.
  source           = "../bucket"
  bucket           = "${var.name}-access-logs"
  policy_documents = [data.aws_iam_policy_document.logs.json]
}

resource "aws_s3_bucket_lifecycle_configuration" "logs" {
  bucket = module.logs.id
  rule {
    id     = "expire-access-logs"
    status = "Enabled"
    filter {}
    expiration {
      days = 400
    }
    noncurrent_version_expiration {
      noncurrent_days = 7
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "logs" {
  statement {
    sid       = "AlbWritesAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs.arn}/alb/*"]
    principals {
      type        = "AWS"
      identifiers = [data.aws_elb_service_account.current.arn]
    }
  }

  statement {
    sid       = "S3WritesServerAccessLogs"
    actions   = ["s3:PutObject"]
    resources = ["${module.logs.arn}/s3/*"]
    principals {
      type        = "Service"
      identifiers = ["logging.s3.amazonaws.com"]
    }
  }
}

output "files_bucket_name" {
  description = "Eligibility files and reports."
  value       = module.files.bucket
}

output "files_bucket_arn" {
  description = "For the task roles."
  value       = module.files.arn
}

output "logs_bucket_name" {
  description = "Access logs (ALB under alb/, S3 under s3/)."
  value       = module.logs.bucket
}

output "upload_origins" {
  description = "Origins the files bucket accepts presigned PUTs from (CORS)."
  value       = flatten([for rule in aws_s3_bucket_cors_configuration.files.cors_rule : rule.allowed_origins if contains(rule.allowed_methods, "PUT")])
}

# State addresses from before modules/bucket: the same buckets, nothing replaced.
moved {
  from = aws_s3_bucket.files
  to   = module.files.aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_public_access_block.files
  to   = module.files.aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_ownership_controls.files
  to   = module.files.aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_versioning.files
  to   = module.files.aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.files
  to   = module.files.aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_logging.files
  to   = module.files.aws_s3_bucket_logging.this[0]
}
moved {
  from = aws_s3_bucket_policy.files
  to   = module.files.aws_s3_bucket_policy.this
}
moved {
  from = aws_s3_bucket.logs
  to   = module.logs.aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_public_access_block.logs
  to   = module.logs.aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_ownership_controls.logs
  to   = module.logs.aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_versioning.logs
  to   = module.logs.aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.logs
  to   = module.logs.aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_policy.logs
  to   = module.logs.aws_s3_bucket_policy.this
}
