# A private S3 bucket with the hardening every bucket of ours has: public access blocked, ACLs
# off (BucketOwnerEnforced), versioning, default encryption (KMS when a key is given, SSE-S3
# otherwise), server access logs when a target is given, and a policy that refuses plain HTTP on
# top of the caller's own statements. What differs per bucket (lifecycle rules, CORS) stays with
# the caller, on the `id` output. checkov skips that hold for one bucket only sit on that
# bucket's `module` block (checkov applies them to the resources inside).

variable "bucket" {
  description = "The bucket's name."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for default encryption (with an S3 bucket key); null means SSE-S3 (AES256)."
  type        = string
  default     = null
}

variable "access_log" {
  description = "Where S3 server access logs of this bucket go (bucket id and key prefix); null means none."
  type        = object({ bucket = string, prefix = string })
  default     = null
}

variable "policy_documents" {
  description = "The caller's bucket policy statements (JSON policy documents), merged before DenyPlainHttp."
  type        = list(string)
  default     = []
}

resource "aws_s3_bucket" "this" {
  bucket = var.bucket
}

resource "aws_s3_bucket_public_access_block" "this" {
  bucket                  = aws_s3_bucket.this.id
  block_public_acls       = true
  block_public_policy     = true
  ignore_public_acls      = true
  restrict_public_buckets = true
}

resource "aws_s3_bucket_ownership_controls" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    object_ownership = "BucketOwnerEnforced"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = "Enabled"
  }
}

resource "aws_s3_bucket_server_side_encryption_configuration" "this" {
  bucket = aws_s3_bucket.this.id
  rule {
    bucket_key_enabled = var.kms_key_arn == null ? null : true
    apply_server_side_encryption_by_default {
      sse_algorithm     = var.kms_key_arn == null ? "AES256" : "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }
  }
}

resource "aws_s3_bucket_logging" "this" {
  count         = var.access_log == null ? 0 : 1
  bucket        = aws_s3_bucket.this.id
  target_bucket = var.access_log.bucket
  target_prefix = var.access_log.prefix
}

data "aws_iam_policy_document" "this" {
  source_policy_documents = var.policy_documents

  statement {
    sid       = "DenyPlainHttp"
    effect    = "Deny"
    actions   = ["s3:*"]
    resources = [aws_s3_bucket.this.arn, "${aws_s3_bucket.this.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Bool"
      variable = "aws:SecureTransport"
      values   = ["false"]
    }
  }
}

resource "aws_s3_bucket_policy" "this" {
  bucket     = aws_s3_bucket.this.id
  policy     = data.aws_iam_policy_document.this.json
  depends_on = [aws_s3_bucket_public_access_block.this]
}

output "id" {
  description = "The bucket's id (its name), for the caller's lifecycle rules and CORS."
  value       = aws_s3_bucket.this.id
}

output "bucket" {
  description = "The bucket's name."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "For policies naming the bucket."
  value       = aws_s3_bucket.this.arn
}

output "bucket_regional_domain_name" {
  description = "For CloudFront origins."
  value       = aws_s3_bucket.this.bucket_regional_domain_name
}
