# The ECS cluster, one Fargate service per role of the code, their task definitions, and the
# one-shot `migrate` task definition that CircleCI runs before each rollout.

variable "name" {
  description = "Prefix of every resource name."
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
    public_paths = list(string)
    s3_read      = list(string)
    s3_write     = list(string)
    sends_email  = bool
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

variable "containers" {
  description = "Role (and migrate, ops) => {environment, secrets} (modules/task_environment)."
  type = map(object({
    environment = list(object({ name = string, value = string }))
    secrets     = list(object({ name = string, valueFrom = string }))
  }))
}

variable "liveness_command" {
  description = "Container health check command (GET /livez on $PORT)."
  type        = list(string)
}

variable "ops_task_role_arn" {
  description = "Task role of the one-off ops task (shared.ops reaches Postgres and the broker only)."
  type        = string
}

variable "autoscaling" {
  description = "Role => {min, max} tasks."
  type        = map(object({ min = number, max = number }))
}

variable "scaling_targets" {
  description = "Target values of the scaling policies."
  type        = object({ cpu_percent = number, requests_per_target = number, messages_per_worker = number })
}

variable "alb_arn_suffix" {
  description = "ALB metric dimension (ALBRequestCountPerTarget)."
  type        = string
}

variable "target_group_arn_suffixes" {
  description = "Public role => target group metric dimension."
  type        = map(string)
}

variable "mq_broker_name" {
  description = "Amazon MQ broker (queue depth metrics)."
  type        = string
}

variable "worker_queues" {
  description = "Consumer queues the worker drains (its scaling metric is their ready messages)."
  type        = list(string)
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
  # What every container of the image shares, migrate and ops included.
  container_base = {
    image     = var.image
    essential = true
    user      = "10001:10001"
    # The image writes nothing at run time (byte-compiled at build); /tmp is a task volume.
    readonlyRootFilesystem = true
    stopTimeout            = var.stop_timeout_seconds
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
  }

  log_configuration = {
    for name in concat(keys(var.roles), ["migrate", "ops"]) : name => {
      logDriver = "awslogs"
      options = {
        awslogs-group         = var.log_group_names[name]
        awslogs-region        = var.region
        awslogs-stream-prefix = name
      }
    }
  }

  containers = {
    for role, spec in var.roles : role => merge(local.container_base, {
      name         = role
      command      = spec.command
      portMappings = [{ name = "http", containerPort = spec.port, protocol = "tcp" }]
      environment  = var.containers[role].environment
      secrets      = var.containers[role].secrets
      # Liveness, not readiness: /livez answers while the process and its event loop live, so a
      # database or broker failover makes tasks unready (the ALB stops sending) but never has
      # ECS replace every task at once. The ALB's target groups keep probing `/` (readiness).
      healthCheck = {
        command     = var.liveness_command
        interval    = 15
        timeout     = 5
        retries     = 3
        startPeriod = 30
      }
      logConfiguration = local.log_configuration[role]
    })
  }

  one_shots = {
    migrate = merge(local.container_base, {
      name             = "migrate"
      command          = var.migrate_command
      environment      = var.containers["migrate"].environment
      secrets          = var.containers["migrate"].secrets
      logConfiguration = local.log_configuration["migrate"]
    })
    # scripts/ecs-ops.sh runs one `python -m shared.ops ...` command in it (command override);
    # CloudTrail records who ran which command, CloudWatch Logs keeps its output.
    ops = merge(local.container_base, {
      name             = "ops"
      command          = ["python", "-m", "shared.ops", "--help"]
      environment      = var.containers["ops"].environment
      secrets          = var.containers["ops"].secrets
      logConfiguration = local.log_configuration["ops"]
    })
  }
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

resource "aws_ecs_task_definition" "one_shot" {
  for_each                 = local.one_shots
  family                   = "${var.name}-${each.key}"
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = 256
  memory                   = 512
  execution_role_arn       = var.execution_role_arn
  # migrate needs no AWS permission; ops gets its own (empty) role so a command cannot borrow
  # a role's S3 or SES rights.
  task_role_arn         = each.key == "ops" ? var.ops_task_role_arn : null
  container_definitions = jsonencode([each.value])

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
    # CircleCI owns rollouts (it registers revisions with the new image and updates the service)
    # and autoscaling owns the count.
    ignore_changes = [task_definition, desired_count]
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
  value       = aws_ecs_task_definition.one_shot["migrate"].family
}

output "ops_task_family" {
  description = "Family of the one-off ops task definition (scripts/ecs-ops.sh)."
  value       = aws_ecs_task_definition.one_shot["ops"].family
}

output "service_arns" {
  description = "Role => service ARN (the deploy role may update these only)."
  value       = { for role, service in aws_ecs_service.role : role => service.id }
}

output "cluster_arn" {
  description = "The cluster's ARN."
  value       = aws_ecs_cluster.this.arn
}

output "task_definition_families" {
  description = "Role, migrate and ops => task definition family."
  value = merge(
    { for role, definition in aws_ecs_task_definition.role : role => definition.family },
    { for name, definition in aws_ecs_task_definition.one_shot : name => definition.family },
  )
}

output "container_definitions" {
  description = "Role, migrate and ops => their container definitions, as registered (JSON)."
  value = merge(
    { for role, definition in aws_ecs_task_definition.role : role => definition.container_definitions },
    { for name, definition in aws_ecs_task_definition.one_shot : name => definition.container_definitions },
  )
}

output "services" {
  description = "Role => what its service runs: launch type, subnets, load balancer, scaling limits."
  value = {
    for role, service in aws_ecs_service.role : role => {
      launch_type     = service.launch_type
      subnets         = one(service.network_configuration).subnets
      load_balanced   = length(service.load_balancer) > 0
      min_tasks       = aws_appautoscaling_target.role[role].min_capacity
      max_tasks       = aws_appautoscaling_target.role[role].max_capacity
      desired_count   = service.desired_count
      execute_command = service.enable_execute_command
    }
  }
}

output "scaling_policies" {
  description = "Role => the metrics its scaling policies track."
  value = {
    for role in keys(var.roles) : role => concat(
      [for name, policy in aws_appautoscaling_policy.cpu : "cpu" if name == role],
      [for name, policy in aws_appautoscaling_policy.requests : "requests" if name == role],
      aws_appautoscaling_policy.worker_backlog.resource_id == aws_appautoscaling_target.role[role].resource_id ? ["queue-backlog"] : [],
    )
  }
}
