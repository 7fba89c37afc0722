# Amazon SES: the sender domain of sign-up verification emails, verified with Easy DKIM records
# in the environment's hosted zone. The worker's task role may send from one address of it.

variable "domain" {
  description = "Sender domain (the part after @ of EMAIL_FROM_ADDRESS)."
  type        = string
}

variable "hosted_zone_id" {
  description = "Zone that holds the domain."
  type        = string
}

resource "aws_ses_domain_identity" "this" {
  domain = var.domain
}

resource "aws_ses_domain_dkim" "this" {
  domain = aws_ses_domain_identity.this.domain
}

resource "aws_route53_record" "dkim" {
  count   = 3 # Easy DKIM always issues three tokens
  zone_id = var.hosted_zone_id
  name    = "${aws_ses_domain_dkim.this.dkim_tokens[count.index]}._domainkey.${var.domain}"
  type    = "CNAME"
  ttl     = 1800
  records = ["${aws_ses_domain_dkim.this.dkim_tokens[count.index]}.dkim.amazonses.com"]
}

output "identity" {
  description = "The SES identity (IAM resource identity/<domain>)."
  value       = aws_ses_domain_identity.this.domain
}
