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
  description = "Apex of the environment, e.g. staging.origin.example; api. and hooks. live under it."
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
  description = "Tasks per role; at least two for the web-facing roles, one per availability zone."
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
