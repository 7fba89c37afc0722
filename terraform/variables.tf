variable "environment" {
  description = "Deployed environment. Only staging and production exist in AWS (local and test run on a laptop or CI)."
  type        = string

  validation {
    condition     = contains(["staging", "production"], var.environment)
    error_message = "environment must be staging or production: local and test never run in AWS."
  }
}

variable "region" {
  description = "The one AWS region the system runs in."
  type        = string
  default     = "us-east-1"
}

variable "availability_zones" {
  description = "Exactly two availability zones; each gets one public and one private subnet."
  type        = list(string)

  validation {
    condition     = length(var.availability_zones) == 2
    error_message = "The run book asks for two availability zones."
  }
}

variable "vpc_cidr" {
  description = "CIDR of the VPC; subnets are carved from it (/20 each)."
  type        = string
}

variable "domain_name" {
  description = "Apex of the environment, e.g. staging.origin.example; app., api. and hooks. live under it."
  type        = string
}

variable "hosted_zone_id" {
  description = "Route53 hosted zone (managed outside this stack) that holds domain_name."
  type        = string
}

variable "image_tag" {
  description = "Image tag of the first deployment; CircleCI registers new revisions after that."
  type        = string
  default     = "bootstrap"
}

variable "desired_counts" {
  description = "Tasks per role at creation; autoscaling owns the count after that."
  type        = map(number)
}

variable "task_sizes" {
  description = "Fargate cpu/memory per role."
  type        = map(object({ cpu = number, memory = number }))
}

variable "db_instance_class" {
  description = "RDS instance class."
  type        = string
}

variable "db_allocated_storage_gb" {
  description = "Initial RDS storage; autoscaling may grow it up to four times this."
  type        = number
}

variable "db_backup_retention_days" {
  description = "RDS automated backups (point-in-time recovery window)."
  type        = number
}

variable "backup_plan_retention_days" {
  description = "How long AWS Backup keeps its daily recovery points."
  type        = number
}

variable "mq_instance_type" {
  description = "Amazon MQ broker instance type (a cluster of three across the zones)."
  type        = string
}

variable "log_retention_days" {
  description = "CloudWatch Logs retention of the task logs."
  type        = number
  default     = 365
}

variable "alarm_email" {
  description = "Where CloudWatch alarms are sent (the on-call list)."
  type        = string
}

variable "queue_depth_alarm_threshold" {
  description = "Ready messages in one consumer queue above which on-call is paged."
  type        = number
  default     = 1000
}

# ----- what the roles are configured with (modules/task_environment) -------------------------

variable "sms_provider" {
  description = "SMS provider (Twilio): API base URL, account SID and the sending number."
  type        = object({ base_url = string, account_sid = string, from_number = string })

  validation {
    condition     = startswith(var.sms_provider.base_url, "https://") && can(regex("^AC[0-9a-f]{32}$", var.sms_provider.account_sid)) && can(regex("^\\+[1-9][0-9]{6,14}$", var.sms_provider.from_number))
    error_message = "sms_provider: an https base URL, an AC... account SID (34 characters) and an E.164 number."
  }
}

variable "aggregation_provider" {
  description = "Aggregation provider (Plaid): API base URL (sandbox or production host) and client id."
  type        = object({ base_url = string, client_id = string })

  validation {
    condition     = startswith(var.aggregation_provider.base_url, "https://") && length(var.aggregation_provider.client_id) > 0
    error_message = "aggregation_provider: an https base URL and a client id."
  }
}

variable "scheduling_provider" {
  description = "Scheduling provider (Calendly): API base URL and our organization's URI (GET /users/me)."
  type        = object({ base_url = string, organization_uri = string })

  validation {
    condition     = startswith(var.scheduling_provider.base_url, "https://") && startswith(var.scheduling_provider.organization_uri, "https://")
    error_message = "scheduling_provider: an https base URL and an https organization URI."
  }
}

variable "email_from_address" {
  description = "Sender of sign-up verification emails; its domain is verified in SES by this stack."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.email_from_address))
    error_message = "email_from_address must be an address (its domain must be in hosted_zone_id)."
  }
}

variable "sentry_enabled" {
  description = "Inject SENTRY_DSN from the app secret (which must then hold a real DSN)."
  type        = bool
  default     = true
}

variable "new_relic_enabled" {
  description = "Inject NEW_RELIC_LICENSE_KEY from the app secret (which must then hold a real key)."
  type        = bool
  default     = true
}

# ----- scaling ----------------------------------------------------------------------------

variable "autoscaling" {
  description = "Role => {min, max} tasks; ECS service autoscaling moves the count between them."
  type        = map(object({ min = number, max = number }))

  validation {
    condition     = alltrue([for limits in values(var.autoscaling) : limits.min >= 1 && limits.min <= limits.max])
    error_message = "Each role needs 1 <= min <= max."
  }
}

variable "scaling_targets" {
  description = "Target values: CPU percent (bff, gateway-web), ALB requests per target per minute, ready messages per worker task."
  type        = object({ cpu_percent = number, requests_per_target = number, messages_per_worker = number })
  default     = { cpu_percent = 60, requests_per_target = 1000, messages_per_worker = 200 }
}

# ----- CI -----------------------------------------------------------------------------------

variable "circleci_organization_id" {
  description = "CircleCI organization id (UUID): the OIDC issuer is oidc.circleci.com/org/<id>."
  type        = string
}

variable "circleci_project_id" {
  description = "CircleCI project id (UUID): only this project's master branch may assume the deploy role."
  type        = string
}
