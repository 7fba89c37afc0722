# Route53: the public names of the environment, aliases of the ALB.

variable "hosted_zone_id" {
  description = "Zone that holds the names."
  type        = string
}

variable "records" {
  description = "Role => host name."
  type        = map(string)
}

variable "alb_dns_name" {
  description = "ALB DNS name."
  type        = string
}

variable "alb_zone_id" {
  description = "ALB hosted zone."
  type        = string
}

resource "aws_route53_record" "alias" {
  for_each = var.records
  zone_id  = var.hosted_zone_id
  name     = each.value
  type     = "A"

  alias {
    name                   = var.alb_dns_name
    zone_id                = var.alb_zone_id
    evaluate_target_health = true
  }
}

output "fqdns" {
  description = "Role => record."
  value       = { for role, record in aws_route53_record.alias : role => record.fqdn }
}
