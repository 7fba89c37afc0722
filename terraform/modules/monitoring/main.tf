# Task logs (CloudWatch Logs, shipped by the awslogs driver) and the alarms on-call gets:
# 5xx, unhealthy hosts, queue depth, dead letters, plus the database and the services' task count.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "kms_key_arn" {
  description = "Key of the log groups and the alarm topic."
  type        = string
}

variable "log_retention_days" {
  description = "Task log retention."
  type        = number
}

variable "roles" {
  description = "Every role (one log group each, plus migrate)."
  type        = list(string)
}

variable "alarm_email" {
  description = "On-call address."
  type        = string
}

variable "alb_arn_suffix" {
  description = "ALB metric dimension."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "Role => target group metric dimension."
  type        = map(string)
}

variable "mq_broker_name" {
  description = "Amazon MQ broker."
  type        = string
}

variable "consumer_queues" {
  description = "Consumer queues; each has `<queue>.dlq`."
  type        = list(string)
}

variable "queue_depth_alarm_threshold" {
  description = "Ready messages in one queue that page on-call."
  type        = number
}

variable "db_instance_id" {
  description = "RDS instance."
  type        = string
}

variable "ecs_cluster_name" {
  description = "ECS cluster."
  type        = string
}

variable "ecs_service_names" {
  description = "Role => ECS service name."
  type        = map(string)
}

variable "public_health_fqdn" {
  description = "Public name whose GET / is checked from outside by Route 53 (api.<domain>, the bff)."
  type        = string
}

resource "aws_cloudwatch_log_group" "role" {
  for_each          = toset(concat(var.roles, ["migrate", "ops"]))
  name              = "/ecs/${var.name}/${each.key}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_sns_topic" "alarms" {
  name              = "${var.name}-alarms"
  kms_master_key_id = var.kms_key_arn
}

resource "aws_sns_topic_subscription" "on_call" {
  topic_arn = aws_sns_topic.alarms.arn
  protocol  = "email"
  endpoint  = var.alarm_email
}

locals {
  actions = [aws_sns_topic.alarms.arn]
}

resource "aws_cloudwatch_metric_alarm" "alb_5xx" {
  alarm_name          = "${var.name}-alb-5xx"
  alarm_description   = "The load balancer itself answered 5xx (no healthy target, timeouts)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_ELB_5XX_Count"
  dimensions          = { LoadBalancer = var.alb_arn_suffix }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 10
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "target_5xx" {
  for_each            = var.target_group_arn_suffixes
  alarm_name          = "${var.name}-${each.key}-5xx"
  alarm_description   = "${each.key} answered 5xx; see Sentry and the task logs (RUNBOOK.md)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "HTTPCode_Target_5XX_Count"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value }
  statistic           = "Sum"
  period              = 60
  evaluation_periods  = 5
  datapoints_to_alarm = 3
  threshold           = 5
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_hosts" {
  for_each            = var.target_group_arn_suffixes
  alarm_name          = "${var.name}-${each.key}-unhealthy-hosts"
  alarm_description   = "A ${each.key} task fails GET / (a dependency is down, or it is stuck)."
  namespace           = "AWS/ApplicationELB"
  metric_name         = "UnHealthyHostCount"
  dimensions          = { LoadBalancer = var.alb_arn_suffix, TargetGroup = each.value }
  statistic           = "Maximum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# Roles without a target group (worker, scheduler) are watched through their running tasks:
# ECS replaces a task whose container health check fails, so a service short of tasks is the signal.
resource "aws_cloudwatch_metric_alarm" "running_tasks" {
  for_each            = var.ecs_service_names
  alarm_name          = "${var.name}-${each.key}-running-tasks"
  alarm_description   = "${each.key} has no running task."
  namespace           = "ECS/ContainerInsights"
  metric_name         = "RunningTaskCount"
  dimensions          = { ClusterName = var.ecs_cluster_name, ServiceName = each.value }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 3
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "queue_depth" {
  for_each            = toset(var.consumer_queues)
  alarm_name          = "${var.name}-queue-${each.key}-depth"
  alarm_description   = "Messages wait in ${each.key}: the worker is down, slow, or paused (RUNBOOK.md, switches)."
  namespace           = "AWS/AmazonMQ"
  metric_name         = "MessageReadyCount"
  dimensions          = { Broker = var.mq_broker_name, VirtualHost = "/", Queue = each.key }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 3
  threshold           = var.queue_depth_alarm_threshold
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "dead_letters" {
  for_each            = toset(var.consumer_queues)
  alarm_name          = "${var.name}-queue-${each.key}-dead-letters"
  alarm_description   = "Poison messages in ${each.key}.dlq: list and replay them (RUNBOOK.md, dead letters)."
  namespace           = "AWS/AmazonMQ"
  metric_name         = "MessageCount"
  dimensions          = { Broker = var.mq_broker_name, VirtualHost = "/", Queue = "${each.key}.dlq" }
  statistic           = "Maximum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 0
  comparison_operator = "GreaterThanThreshold"
  treat_missing_data  = "notBreaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "db_cpu" {
  alarm_name          = "${var.name}-postgres-cpu"
  alarm_description   = "PostgreSQL CPU above 80% for 15 minutes."
  namespace           = "AWS/RDS"
  metric_name         = "CPUUtilization"
  dimensions          = { DBInstanceIdentifier = var.db_instance_id }
  statistic           = "Average"
  period              = 300
  evaluation_periods  = 3
  threshold           = 80
  comparison_operator = "GreaterThanThreshold"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

resource "aws_cloudwatch_metric_alarm" "db_storage" {
  alarm_name          = "${var.name}-postgres-free-storage"
  alarm_description   = "PostgreSQL has less than 10 GiB free."
  namespace           = "AWS/RDS"
  metric_name         = "FreeStorageSpace"
  dimensions          = { DBInstanceIdentifier = var.db_instance_id }
  statistic           = "Minimum"
  period              = 300
  evaluation_periods  = 1
  threshold           = 10737418240
  comparison_operator = "LessThanThreshold"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

# ----- from outside: Route 53 health checkers (several regions) GET https://api.<domain>/ -------
# This is the run book's "`/` checked by AWS" seen as a member would: DNS, TLS, WAF, ALB and a
# ready bff. Route 53 publishes HealthCheckStatus in us-east-1, the system's region.
resource "aws_route53_health_check" "public" {
  fqdn              = var.public_health_fqdn
  type              = "HTTPS"
  port              = 443
  resource_path     = "/"
  request_interval  = 30
  failure_threshold = 3
  measure_latency   = true
  tags              = { Name = "${var.name}-public" }
}

resource "aws_cloudwatch_metric_alarm" "public_health" {
  alarm_name          = "${var.name}-public-health"
  alarm_description   = "GET https://${var.public_health_fqdn}/ fails from Route 53's checkers (RUNBOOK.md, Processes and health)."
  namespace           = "AWS/Route53"
  metric_name         = "HealthCheckStatus"
  dimensions          = { HealthCheckId = aws_route53_health_check.public.id }
  statistic           = "Minimum"
  period              = 60
  evaluation_periods  = 2
  threshold           = 1
  comparison_operator = "LessThanThreshold"
  treat_missing_data  = "breaching"
  alarm_actions       = local.actions
  ok_actions          = local.actions
}

output "log_group_names" {
  description = "Role (and migrate) => log group name."
  value       = { for role, group in aws_cloudwatch_log_group.role : role => group.name }
}

output "log_group_arns" {
  description = "Role (and migrate) => log group ARN."
  value       = { for role, group in aws_cloudwatch_log_group.role : role => group.arn }
}

output "alarm_topic_arn" {
  description = "SNS topic of every alarm."
  value       = aws_sns_topic.alarms.arn
}
