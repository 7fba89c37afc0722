# Amazon MQ for RabbitMQ: a three-node cluster across the zones, private, TLS only (amqps://).

variable "name" {
  description = "Prefix of every resource name."
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

variable "client_security_group_id" {
  description = "The tasks' security group, the only one allowed in."
  type        = string
}

variable "instance_type" {
  description = "Broker instance type."
  type        = string
}

variable "admin_secret_id" {
  description = "Secret where the admin password is kept for operators."
  type        = string
}

resource "aws_security_group" "broker" {
  name        = "${var.name}-rabbitmq"
  description = "Amazon MQ: AMQPS from the ECS tasks only"
  vpc_id      = var.vpc_id
}

# The management API (HTTPS) is reached by the ops task only, to create the application user.
resource "aws_vpc_security_group_ingress_rule" "management_from_tasks" {
  security_group_id            = aws_security_group.broker.id
  description                  = "RabbitMQ management API from the ECS tasks (ops task)"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_vpc_security_group_ingress_rule" "amqps_from_tasks" {
  security_group_id            = aws_security_group.broker.id
  description                  = "AMQPS from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5671
  to_port                      = 5671
  referenced_security_group_id = var.client_security_group_id
}

# The admin password is drawn by Secrets Manager's GetRandomPassword (the AWS provider's data
# source: the plugin mirror our checks run with has no `random` provider). A data source draws
# a new value at every plan, so both the stored secret and the broker ignore later draws: the
# password of the first apply stays until an operator rotates it (RUNBOOK.md, "Secrets").
data "aws_secretsmanager_random_password" "admin" {
  password_length     = 40
  exclude_punctuation = true
}

resource "aws_secretsmanager_secret_version" "admin" {
  secret_id = var.admin_secret_id
  secret_string = jsonencode({
    username = "origin_admin"
    password = data.aws_secretsmanager_random_password.admin.random_password
  })

  lifecycle {
    ignore_changes = [secret_string]
  }
}

resource "aws_mq_broker" "this" {
  # checkov:skip=CKV_AWS_209:Amazon MQ for RabbitMQ encrypts at rest with an AWS-owned key only; customer-managed keys are an ActiveMQ-only option.
  # checkov:skip=CKV_AWS_48:RabbitMQ brokers publish only general logs (enabled below); audit logs exist for ActiveMQ only.
  broker_name                = var.name
  engine_type                = "RabbitMQ"
  engine_version             = "3.13"
  host_instance_type         = var.instance_type
  deployment_mode            = "CLUSTER_MULTI_AZ"
  subnet_ids                 = var.subnet_ids
  security_groups            = [aws_security_group.broker.id]
  publicly_accessible        = false
  auto_minor_version_upgrade = true

  encryption_options {
    use_aws_owned_key = true
  }

  logs {
    general = true
  }

  maintenance_window_start_time {
    day_of_week = "SUNDAY"
    time_of_day = "05:00"
    time_zone   = "UTC"
  }

  user {
    username = "origin_admin"
    password = data.aws_secretsmanager_random_password.admin.random_password
  }

  lifecycle {
    ignore_changes = [user]
  }
}

output "broker_name" {
  description = "Dimension of the Amazon MQ metrics."
  value       = aws_mq_broker.this.broker_name
}

output "amqps_endpoint" {
  description = "amqps://host:5671 (the roles' AMQP_URL adds their user and vhost)."
  value       = aws_mq_broker.this.instances[0].endpoints[0]
}

output "console_url" {
  description = "The broker's management API and console (https, inside the VPC)."
  value       = aws_mq_broker.this.instances[0].console_url
}
