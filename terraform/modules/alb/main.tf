# The public entrance: HTTPS only, behind AWS WAF. api.<domain> goes to the bff and
# hooks.<domain>/webhooks/* to the gateway; the gateway's internal API is never routed here.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Public subnets, one per zone."
  type        = list(string)
}

variable "domain_name" {
  description = "Apex of the environment."
  type        = string
}

variable "hosted_zone_id" {
  description = "Zone for the certificate's DNS validation."
  type        = string
}

variable "access_logs_bucket" {
  description = "Bucket for the ALB access logs."
  type        = string
}

variable "kms_key_arn" {
  description = "Key of the WAF log group."
  type        = string
}

variable "log_retention_days" {
  description = "WAF log retention."
  type        = number
}

variable "routes" {
  description = "Public roles: role => {host, port, public_paths, ...}."
  type = map(object({
    host         = string
    command      = list(string)
    port         = number
    public       = bool
    public_paths = list(string)
    s3_read      = list(string)
    s3_write     = list(string)
    sends_email  = bool
  }))
}

variable "deregistration_secs" {
  description = "Time a stopping task keeps serving in-flight requests before ECS sends SIGTERM."
  type        = number
}

locals {
  hostnames = { for role, spec in var.routes : role => "${spec.host}.${var.domain_name}" }
}

resource "aws_security_group" "alb" {
  name        = "${var.name}-alb"
  description = "ALB: HTTPS (and HTTP, redirected) from the internet"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "https" {
  security_group_id = aws_security_group.alb.id
  description       = "HTTPS from anywhere"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_ingress_rule" "http" {
  # checkov:skip=CKV_AWS_260:Port 80 only answers a 301 to HTTPS (listener "http"); no request is served over it.
  security_group_id = aws_security_group.alb.id
  description       = "HTTP from anywhere, answered with a redirect to HTTPS"
  ip_protocol       = "tcp"
  from_port         = 80
  to_port           = 80
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "to_tasks" {
  for_each          = var.routes
  security_group_id = aws_security_group.alb.id
  description       = "To the ${each.key} tasks"
  ip_protocol       = "tcp"
  from_port         = each.value.port
  to_port           = each.value.port
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_lb" "this" {
  # checkov:skip=CKV2_AWS_20:HTTP is kept only to answer with a 301 to HTTPS (the listener below).
  # checkov:skip=CKV2_AWS_76:The Log4j rules (AWSManagedRulesKnownBadInputsRuleSet) are enforced; the check also demands AWSManagedRulesAnonymousIpList, which would block the SMS provider's webhooks (sent from cloud hosting ranges).
  name                       = var.name
  load_balancer_type         = "application"
  internal                   = false
  security_groups            = [aws_security_group.alb.id]
  subnets                    = var.subnet_ids
  drop_invalid_header_fields = true
  enable_deletion_protection = true
  idle_timeout               = 60

  access_logs {
    bucket  = var.access_logs_bucket
    prefix  = "alb"
    enabled = true
  }
}

resource "aws_lb_target_group" "role" {
  # checkov:skip=CKV_AWS_378:TLS ends at the ALB; the hop to the tasks stays inside the VPC's private subnets, admitted only from the ALB's security group.
  for_each             = var.routes
  name                 = substr("${var.name}-${each.key}", 0, 32)
  port                 = each.value.port
  protocol             = "HTTP"
  target_type          = "ip"
  vpc_id               = var.vpc_id
  deregistration_delay = var.deregistration_secs

  # Every role answers GET / with 200 when its checks pass, 503 when a dependency fails or
  # while it drains after SIGTERM.
  health_check {
    path                = "/"
    matcher             = "200"
    interval            = 10
    timeout             = 5
    healthy_threshold   = 2
    unhealthy_threshold = 3
  }
}

resource "aws_acm_certificate" "this" {
  # Exactly the public names, no wildcard.
  domain_name               = sort(values(local.hostnames))[0]
  subject_alternative_names = slice(sort(values(local.hostnames)), 1, length(local.hostnames))
  validation_method         = "DNS"

  lifecycle {
    create_before_destroy = true
  }
}

# Keyed by the names (known at plan), valued by what ACM asks (known after the certificate).
resource "aws_route53_record" "validation" {
  for_each = {
    for name in values(local.hostnames) : name => one([
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

resource "aws_lb_listener" "http" {
  load_balancer_arn = aws_lb.this.arn
  port              = 80
  protocol          = "HTTP"

  default_action {
    type = "redirect"
    redirect {
      port        = "443"
      protocol    = "HTTPS"
      status_code = "HTTP_301"
    }
  }
}

resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.this.arn
  port              = 443
  protocol          = "HTTPS"
  ssl_policy        = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  certificate_arn   = aws_acm_certificate_validation.this.certificate_arn

  default_action {
    type = "fixed-response"
    fixed_response {
      # The AWS API allows text/plain, text/css, text/html, application/javascript and
      # application/json only (terraform validate refuses application/problem+json).
      content_type = "application/json"
      message_body = "{\"title\": \"Not Found\", \"status\": 404}"
      status_code  = "404"
    }
  }
}

resource "aws_lb_listener_rule" "role" {
  for_each     = var.routes
  listener_arn = aws_lb_listener.https.arn
  priority     = 100 + index(sort(keys(var.routes)), each.key)

  action {
    type             = "forward"
    target_group_arn = aws_lb_target_group.role[each.key].arn
  }

  condition {
    host_header {
      values = [local.hostnames[each.key]]
    }
  }

  condition {
    path_pattern {
      values = each.value.public_paths
    }
  }
}

# ----- AWS WAF ------------------------------------------------------------------------------

resource "aws_wafv2_web_acl" "this" {
  name  = var.name
  scope = "REGIONAL"

  default_action {
    allow {}
  }

  rule {
    name     = "aws-common"
    priority = 10
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesCommonRuleSet"
        vendor_name = "AWS"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-common"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "aws-known-bad-inputs"
    priority = 20
    override_action {
      none {}
    }
    statement {
      managed_rule_group_statement {
        name        = "AWSManagedRulesKnownBadInputsRuleSet"
        vendor_name = "AWS"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-aws-known-bad-inputs"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "rate-limit-per-ip"
    priority = 30
    action {
      block {}
    }
    statement {
      rate_based_statement {
        limit              = 2000
        aggregate_key_type = "IP"
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "${var.name}-rate-limit-per-ip"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = var.name
    sampled_requests_enabled   = true
  }
}

resource "aws_wafv2_web_acl_association" "this" {
  resource_arn = aws_lb.this.arn
  web_acl_arn  = aws_wafv2_web_acl.this.arn
}

resource "aws_cloudwatch_log_group" "waf" {
  # WAF requires this name prefix.
  name              = "aws-waf-logs-${var.name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_wafv2_web_acl_logging_configuration" "this" {
  resource_arn            = aws_wafv2_web_acl.this.arn
  log_destination_configs = [aws_cloudwatch_log_group.waf.arn]

  redacted_fields {
    single_header {
      name = "cookie"
    }
  }

  redacted_fields {
    single_header {
      name = "authorization"
    }
  }
}

output "security_group_id" {
  description = "The ALB's group (the tasks admit it)."
  value       = aws_security_group.alb.id
}

output "target_group_arns" {
  description = "Role => target group."
  value       = { for role, group in aws_lb_target_group.role : role => group.arn }
}

output "target_group_arn_suffixes" {
  description = "Role => target group metric dimension."
  value       = { for role, group in aws_lb_target_group.role : role => group.arn_suffix }
}

output "arn_suffix" {
  description = "The ALB's metric dimension."
  value       = aws_lb.this.arn_suffix
}

output "dns_name" {
  description = "For the Route53 aliases."
  value       = aws_lb.this.dns_name
}

output "zone_id" {
  description = "For the Route53 aliases."
  value       = aws_lb.this.zone_id
}

output "hostnames" {
  description = "Role => public host name."
  value       = local.hostnames
}
