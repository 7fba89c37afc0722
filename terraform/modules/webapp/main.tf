# The advisor console: the built assets (webapp/dist) in a private bucket that only CloudFront
# reads (origin access control), served as https://app.<domain>; /api/* goes through the same
# distribution to the ALB (api.<domain>, the bff), so the console and its API share one origin
# (session cookie and CSRF header as in local runs, no CORS). CircleCI syncs the bucket and
# invalidates the distribution at each deploy.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "host" {
  description = "Public name of the console (app.<domain>)."
  type        = string
}

variable "api_origin_host" {
  description = "The ALB's name for the bff (api.<domain>); CloudFront calls it over HTTPS."
  type        = string
}

variable "hosted_zone_id" {
  description = "Zone of the names."
  type        = string
}

variable "logs_bucket_id" {
  description = "Access-log bucket (S3 server access logs under s3/webapp/)."
  type        = string
}

# ----- the bucket -------------------------------------------------------------------------

# `modules/bucket`: public access blocked, versioned, SSE-S3, logged, HTTPS only.
module "assets" {
  # checkov:skip=CKV_AWS_144:The console's assets are rebuilt from git at every deploy; a cross-region copy adds nothing.
  # checkov:skip=CKV2_AWS_62:Nothing reacts to new assets; CircleCI invalidates CloudFront itself.
  # checkov:skip=CKV_AWS_145:Public JavaScript and HTML only; SSE-S3 keeps CloudFront's origin access control free of a KMS key policy naming the distribution (a dependency cycle).
  source           = "../bucket"
  bucket           = "${var.name}-webapp"
  access_log       = { bucket = var.logs_bucket_id, prefix = "s3/webapp/" }
  policy_documents = [data.aws_iam_policy_document.assets.json]
}

resource "aws_s3_bucket_lifecycle_configuration" "assets" {
  bucket = module.assets.id
  rule {
    id     = "old-builds"
    status = "Enabled"
    filter {}
    # `aws s3 sync --delete` leaves the previous build's files as noncurrent versions: a
    # rollback can still restore them for 30 days.
    noncurrent_version_expiration {
      noncurrent_days = 30
    }
    abort_incomplete_multipart_upload {
      days_after_initiation = 1
    }
  }
}

data "aws_iam_policy_document" "assets" {
  statement {
    sid       = "CloudFrontReadsThroughOriginAccessControl"
    actions   = ["s3:GetObject"]
    resources = ["${module.assets.arn}/*"]
    principals {
      type        = "Service"
      identifiers = ["cloudfront.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "AWS:SourceArn"
      values   = [aws_cloudfront_distribution.this.arn]
    }
  }
}

# ----- certificate (CloudFront takes certificates from us-east-1, the system's region) ------

resource "aws_acm_certificate" "this" {
  domain_name       = var.host
  validation_method = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the names (known at plan), valued by what ACM asks (known after the certificate).
resource "aws_route53_record" "validation" {
  for_each = {
    for name in [var.host] : name => one([
      for option in aws_acm_certificate.this.domain_validation_options : option if option.domain_name == name
    ])
  }
  zone_id         = var.hosted_zone_id
  name            = each.value.resource_record_name
  type            = each.value.resource_record_type
  records         = [each.value.resource_record_value]
  ttl             = 300
  allow_overwrite = true
}

resource "aws_acm_certificate_validation" "this" {
  certificate_arn         = aws_acm_certificate.this.arn
  validation_record_fqdns = [for record in aws_route53_record.validation : record.fqdn]
}

# ----- the distribution -------------------------------------------------------------------

resource "aws_cloudfront_origin_access_control" "assets" {
  name                              = "${var.name}-webapp"
  description                       = "CloudFront reads the console's bucket"
  origin_access_control_origin_type = "s3"
  signing_behavior                  = "always"
  signing_protocol                  = "sigv4"
}

# A single-page app: paths without a file extension are screens, served by index.html. Done at
# the edge for the assets only, so the API's own 404s stay problem+json.
resource "aws_cloudfront_function" "spa" {
  name    = "${var.name}-webapp-spa"
  runtime = "cloudfront-js-2.0"
  comment = "Screens (no file extension) are served by /index.html"
  publish = true
  code    = <<-JS
    function handler(event) {
      var request = event.request;
      if (!request.uri.split('/').pop().includes('.')) {
        request.uri = '/index.html';
      }
      return request;
    }
  JS
}

resource "aws_cloudfront_response_headers_policy" "security" {
  name    = "${var.name}-webapp-security"
  comment = "Security headers on every response of the console and its API"

  security_headers_config {
    strict_transport_security {
      access_control_max_age_sec = 63072000
      include_subdomains         = true
      preload                    = true
      override                   = true
    }
    content_type_options {
      override = true
    }
    frame_options {
      frame_option = "DENY"
      override     = true
    }
    referrer_policy {
      referrer_policy = "strict-origin-when-cross-origin"
      override        = false
    }
  }
}

locals {
  # AWS managed policies (ids are global constants).
  caching_optimized            = "658327ea-f89d-4fab-a63d-7e88639e58f6"
  caching_disabled             = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
  all_viewer_except_host       = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
  assets_origin_id             = "assets"
  api_origin_id                = "api"
  api_origin_read_timeout_secs = 60
}

resource "aws_cloudfront_distribution" "this" {
  # checkov:skip=CKV_AWS_68:/api/* reaches the ALB, whose WAF (modules/alb) filters every request; the rest are static files from a private bucket.
  # checkov:skip=CKV2_AWS_47:Same: the API's requests pass the ALB's WAF, which has the Log4j rules (AWSManagedRulesKnownBadInputsRuleSet).
  # checkov:skip=CKV_AWS_86:CloudFront standard logs need ACLs on the target bucket, which the access-log bucket disables (BucketOwnerEnforced); API requests are logged by the ALB and the bff.
  # checkov:skip=CKV_AWS_310:One origin per path by design: the bucket for assets, the ALB for /api/*; the bucket has no replica to fail over to.
  # checkov:skip=CKV_AWS_374:The console is served worldwide to advisors; no geo restriction is asked for.
  enabled             = true
  is_ipv6_enabled     = true
  comment             = "${var.name} advisor console"
  aliases             = [var.host]
  default_root_object = "index.html"
  price_class         = "PriceClass_100"
  http_version        = "http2and3"

  origin {
    origin_id                = local.assets_origin_id
    domain_name              = module.assets.bucket_regional_domain_name
    origin_access_control_id = aws_cloudfront_origin_access_control.assets.id
  }

  origin {
    origin_id   = local.api_origin_id
    domain_name = var.api_origin_host
    custom_origin_config {
      http_port                = 80
      https_port               = 443
      origin_protocol_policy   = "https-only"
      origin_ssl_protocols     = ["TLSv1.2"]
      origin_read_timeout      = local.api_origin_read_timeout_secs
      origin_keepalive_timeout = 5
    }
  }

  default_cache_behavior {
    target_origin_id           = local.assets_origin_id
    viewer_protocol_policy     = "redirect-to-https"
    allowed_methods            = ["GET", "HEAD"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.caching_optimized
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id

    function_association {
      event_type   = "viewer-request"
      function_arn = aws_cloudfront_function.spa.arn
    }
  }

  ordered_cache_behavior {
    path_pattern               = "/api/*"
    target_origin_id           = local.api_origin_id
    viewer_protocol_policy     = "https-only"
    allowed_methods            = ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    cached_methods             = ["GET", "HEAD"]
    compress                   = true
    cache_policy_id            = local.caching_disabled
    origin_request_policy_id   = local.all_viewer_except_host
    response_headers_policy_id = aws_cloudfront_response_headers_policy.security.id
  }

  restrictions {
    geo_restriction {
      restriction_type = "none"
    }
  }

  viewer_certificate {
    acm_certificate_arn      = aws_acm_certificate_validation.this.certificate_arn
    ssl_support_method       = "sni-only"
    minimum_protocol_version = "TLSv1.2_2021"
  }
}

resource "aws_route53_record" "app" {
  for_each = toset(["A", "AAAA"])
  zone_id  = var.hosted_zone_id
  name     = var.host
  type     = each.key

  alias {
    name                   = aws_cloudfront_distribution.this.domain_name
    zone_id                = aws_cloudfront_distribution.this.hosted_zone_id
    evaluate_target_health = false
  }
}

output "bucket_name" {
  description = "Where CircleCI syncs webapp/dist."
  value       = module.assets.bucket
}

output "bucket_arn" {
  description = "For the deploy role."
  value       = module.assets.arn
}

output "distribution_id" {
  description = "What CircleCI invalidates after a sync."
  value       = aws_cloudfront_distribution.this.id
}

output "distribution_arn" {
  description = "For the deploy role."
  value       = aws_cloudfront_distribution.this.arn
}

# State addresses from before modules/bucket: the same bucket, nothing replaced.
moved {
  from = aws_s3_bucket.assets
  to   = module.assets.aws_s3_bucket.this
}
moved {
  from = aws_s3_bucket_public_access_block.assets
  to   = module.assets.aws_s3_bucket_public_access_block.this
}
moved {
  from = aws_s3_bucket_ownership_controls.assets
  to   = module.assets.aws_s3_bucket_ownership_controls.this
}
moved {
  from = aws_s3_bucket_versioning.assets
  to   = module.assets.aws_s3_bucket_versioning.this
}
moved {
  from = aws_s3_bucket_server_side_encryption_configuration.assets
  to   = module.assets.aws_s3_bucket_server_side_encryption_configuration.this
}
moved {
  from = aws_s3_bucket_logging.assets
  to   = module.assets.aws_s3_bucket_logging.this[0]
}
moved {
  from = aws_s3_bucket_policy.assets
  to   = module.assets.aws_s3_bucket_policy.this
}
