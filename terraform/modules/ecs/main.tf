# The ECS cluster, one Fargate service per role of the code, their task definitions, and the
# one-shot `migrate` task definition that CircleCI runs before each rollout.

variable "name" {
  description = "Prefix of every resource name."
  type        = string
}

variable "environment" {
  description = "APP_ENV of the tasks (staging or production)."
  type        = string
}

variable "region" {
  description = "AWS_REGION of the tasks and of their log driver."
  type        = string
}

variable "vpc_id" {
  description = "The VPC."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets, one per zone."
  type        = list(string)
}

variable "alb_security_group_id" {
  description = "The ALB's group (allowed to reach the public roles)."
  type        = string
}

variable "target_group_arns" {
  description = "Public role => target group."
  type        = map(string)
}

variable "image" {
  description = "Image of the first revision (CircleCI registers the next ones)."
  type        = string
}

variable "roles" {
  description = "Role => {command, port, public, ...} (terraform/workload.tf)."
  type = map(object({
    host         = string
    command      = list(string)
    port         = number
    public       = bool
    uses_sms     = bool
    s3_access    = string
    public_paths = list(string)
  }))
}

variable "migrate_command" {
  description = "Command of the one-shot migration."
  type        = list(string)
}

variable "desired_counts" {
  description = "Role => number of tasks."
  type        = map(number)
}

variable "task_sizes" {
  description = "Role => {cpu, memory}."
  type        = map(object({ cpu = number, memory = number }))
}

variable "execution_role_arn" {
  description = "The ECS agent's role."
  type        = string
}

variable "task_role_arns" {
  description = "Role => task role."
  type        = map(string)
}

variable "log_group_names" {
  description = "Role (and migrate) => log group."
  type        = map(string)
}

variable "app_secret_arn" {
  description = "JSON secret with DATABASE_URL, AMQP_URL, SENTRY_DSN, NEW_RELIC_LICENSE_KEY."
  type        = string
}

variable "sms_secret_arn" {
  description = "SMS provider secret, or null where SMS is not allowed."
  type        = string
  default     = null
}

variable "sms_secret_keys" {
  description = "Keys of the SMS provider secret."
  type        = list(string)
}

variable "files_bucket_name" {
  description = "Eligibility files and reports."
  type        = string
}

variable "shutdown_timeout_seconds" {
  description = "SHUTDOWN_TIMEOUT_SECONDS: time to finish in-flight work after SIGTERM."
  type        = number
}

variable "drain_seconds" {
  description = "DRAIN_SECONDS: time health answers `draining` before the listener closes."
  type        = number
}

variable "stop_timeout_seconds" {
  description = "ECS stopTimeout: SIGKILL this long after SIGTERM."
  type        = number

  validation {
    condition     = var.stop_timeout_seconds <= 120
    error_message = "Fargate allows at most 120 seconds."
  }
}

locals {
  app_secret_keys = ["DATABASE_URL", "AMQP_URL", "SENTRY_DSN", "NEW_RELIC_LICENSE_KEY"]

  # ECS injects each JSON key of a secret as one environment variable.
  app_secrets = [for key in local.app_secret_keys : { name = key, valueFrom = "${var.app_secret_arn}:${key}::" }]
  sms_secrets = var.sms_secret_arn == null ? [] : [
    for key in var.sms_secret_keys : { name = key, valueFrom = "${var.sms_secret_arn}:${key}::" }
  ]

  base_environment = {
    APP_ENV                  = var.environment
    AWS_REGION               = var.region
    LOG_LEVEL                = "INFO"
    FILES_BUCKET             = var.files_bucket_name
    SHUTDOWN_TIMEOUT_SECONDS = tostring(var.shutdown_timeout_seconds)
    DRAIN_SECONDS            = tostring(var.drain_seconds)
  }

  # Same probe as the image's HEALTHCHECK (ECS ignores the Dockerfile's).
  health_probe = "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/' % os.environ['PORT'], timeout=2)"

  # What every container of the image shares, migrate included.
  container_base = {
    image     = var.image
    essential = true
    user      = "10001:10001"
    # The image writes nothing at run time (byte-compiled at build); /tmp is a task volume.
    readonlyRootFilesystem = true
    stopTimeout            = var.stop_timeout_seconds
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
  }

  containers = {
    for role, spec in var.roles : role => merge(local.container_base, {
      name         = role
      command      = spec.command
      portMappings = [{ name = "http", containerPort = spec.port, protocol = "tcp" }]
      environment = [
        for key, value in merge(local.base_environment, {
          PORT               = tostring(spec.port)
          NEW_RELIC_APP_NAME = "origin-${role} (${var.environment})"
        }) : { name = key, value = value }
      ]
      # Only the roles that talk to the SMS provider get its credentials, and only in the
      # environments that have them (staging and production).
      secrets = concat(local.app_secrets, spec.uses_sms ? local.sms_secrets : [])
      healthCheck = {
        command     = ["CMD", "python", "-c", local.health_probe]
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = {
        logDriver = "awslogs"
        options = {
          awslogs-group         = var.log_group_names[role]
          awslogs-region        = var.region
          awslogs-stream-prefix = role
        }
      }
    })
  }

  migrate_container = merge(local.container_base, {
    name        = "migrate"
    command     = var.migrate_command
    environment = [for key, value in local.base_environment : { name = key, value = value }]
    secrets     = local.app_secrets
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_names["migrate"]
        awslogs-region        = var.region
        awslogs-stream-prefix = "migrate"
      }
    }
  })
}

resource "aws_ecs_cluster" "this" {
  name = var.name

  setting {
    name  = "containerInsights"
    value = "enabled"
  }
}

resource "aws_ecs_cluster_capacity_providers" "this" {
  cluster_name       = aws_ecs_cluster.this.name
  capacity_providers = ["FARGATE"]

  default_capacity_provider_strategy {
    capacity_provider = "FARGATE"
    weight            = 1
  }
}

# bff reaches the gateway's internal API as http://gateway-web:8081 through Service Connect.
resource "aws_service_discovery_http_namespace" "this" {
  name        = "${var.name}.internal"
  description = "Service Connect names of the roles"
}

resource "aws_security_group" "tasks" {
  name        = "${var.name}-tasks"
  description = "ECS tasks of every role"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "from_alb" {
  for_each                     = var.target_group_arns
  security_group_id            = aws_security_group.tasks.id
  description                  = "ALB to ${each.key}"
  ip_protocol                  = "tcp"
  from_port                    = var.roles[each.key].port
  to_port                      = var.roles[each.key].port
  referenced_security_group_id = var.alb_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "between_roles" {
  security_group_id            = aws_security_group.tasks.id
  description                  = "Roles to each other's HTTP port (bff to the gateway's internal API)"
  ip_protocol                  = "tcp"
  from_port                    = 8080
  to_port                      = 8090
  referenced_security_group_id = aws_security_group.tasks.id
}

# Egress: Postgres, Amazon MQ, AWS APIs and third-party providers over HTTPS.
resource "aws_vpc_security_group_egress_rule" "https" {
  security_group_id = aws_security_group.tasks.id
  description       = "HTTPS: AWS APIs, ECR, Sentry, New Relic, providers"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  cidr_ipv4         = "0.0.0.0/0"
}

resource "aws_vpc_security_group_egress_rule" "inside_vpc" {
  security_group_id = aws_security_group.tasks.id
  description       = "PostgreSQL (5432), AMQPS (5671) and the roles' ports, inside the VPC"
  ip_protocol       = "tcp"
  from_port         = 5432
  to_port           = 8090
  cidr_ipv4         = data.aws_vpc.this.cidr_block
}

data "aws_vpc" "this" {
  id = var.vpc_id
}

resource "aws_ecs_task_definition" "role" {
  for_each                 = var.roles
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = var.task_sizes[each.key].cpu
  memory                   = var.task_sizes[each.key].memory
  execution_role_arn       = var.execution_role_arn
  task_role_arn            = var.task_role_arns[each.key]
  container_definitions    = jsonencode([local.containers[each.key]])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }
}

resource "aws_ecs_task_definition" "migrate" {
  family                   = "${var.name}-migrate"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = var.execution_role_arn
  container_definitions    = jsonencode([local.migrate_container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = "X86_64"
  }

  volume {
    name = "tmp"
  }
}

resource "aws_ecs_service" "role" {
  for_each                           = var.roles
  name                               = each.key
  cluster                            = aws_ecs_cluster.this.id
  task_definition                    = aws_ecs_task_definition.role[each.key].arn
  desired_count                      = var.desired_counts[each.key]
  launch_type                        = "FARGATE"
  platform_version                   = "LATEST"
  propagate_tags                     = "SERVICE"
  enable_execute_command             = false
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  health_check_grace_period_seconds  = each.value.public ? 60 : null
  wait_for_steady_state              = false

  network_configuration {
    subnets          = var.subnet_ids
    security_groups  = [aws_security_group.tasks.id]
    assign_public_ip = false
  }

  # A rollout whose tasks never turn healthy is stopped and rolled back to the last good revision.
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }

  dynamic "load_balancer" {
    for_each = each.value.public ? [var.target_group_arns[each.key]] : []
    content {
      target_group_arn = load_balancer.value
      container_name   = each.key
      container_port   = each.value.port
    }
  }

  service_connect_configuration {
    enabled   = true
    namespace = aws_service_discovery_http_namespace.this.arn

    dynamic "service" {
      for_each = each.key == "gateway-web" ? [each.value.port] : []
      content {
        port_name      = "http"
        discovery_name = each.key
        client_alias {
          port     = service.value
          dns_name = each.key
        }
      }
    }
  }

  lifecycle {
    # CircleCI owns rollouts: it registers revisions with the new image and updates the service.
    ignore_changes = [task_definition]
  }
}

output "cluster_name" {
  description = "The cluster."
  value       = aws_ecs_cluster.this.name
}

output "service_names" {
  description = "Role => service name."
  value       = { for role, service in aws_ecs_service.role : role => service.name }
}

output "tasks_security_group_id" {
  description = "Group of every task (RDS and Amazon MQ admit it)."
  value       = aws_security_group.tasks.id
}

output "migrate_task_family" {
  description = "Family of the migration task definition."
  value       = aws_ecs_task_definition.migrate.family
}
