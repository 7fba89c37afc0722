# PostgreSQL, the system of record: Multi-AZ, encrypted, point-in-time recovery, plus a daily
# AWS Backup plan kept apart from the instance (a deleted instance keeps its recovery points).

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

variable "kms_key_arn" {
  description = "Key for storage, Performance Insights, the master secret and the backup vault."
  type        = string
}

variable "instance_class" {
  description = "Instance class."
  type        = string
}

variable "allocated_storage_gb" {
  description = "Initial storage."
  type        = number
}

variable "backup_retention_days" {
  description = "Automated backups (point-in-time recovery window)."
  type        = number
}

variable "backup_plan_retention_days" {
  description = "AWS Backup recovery points."
  type        = number
}

resource "aws_security_group" "db" {
  name        = "${var.name}-postgres"
  description = "PostgreSQL: reachable from the ECS tasks only"
  vpc_id      = var.vpc_id
}

resource "aws_vpc_security_group_ingress_rule" "db_from_tasks" {
  security_group_id            = aws_security_group.db.id
  description                  = "PostgreSQL from the ECS tasks"
  ip_protocol                  = "tcp"
  from_port                    = 5432
  to_port                      = 5432
  referenced_security_group_id = var.client_security_group_id
}

resource "aws_db_subnet_group" "this" {
  name       = var.name
  subnet_ids = var.subnet_ids
}

resource "aws_db_parameter_group" "this" {
  name   = "${var.name}-postgres16"
  family = "postgres16"

  parameter {
    name  = "rds.force_ssl"
    value = "1"
  }

  # Slow statements are logged (values are parameters, never inlined, so no PII in the log).
  parameter {
    name  = "log_min_duration_statement"
    value = "500"
  }

  parameter {
    name  = "log_statement"
    value = "ddl"
  }

  parameter {
    name  = "log_lock_waits"
    value = "1"
  }
}

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name               = "${var.name}-rds-monitoring"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

resource "aws_db_instance" "this" {
  identifier     = var.name
  engine         = "postgres"
  engine_version = "16"
  instance_class = var.instance_class
  db_name        = "origin"
  username       = "origin_admin"
  # RDS keeps the master password in Secrets Manager; the roles connect as their own user.
  manage_master_user_password   = true
  master_user_secret_kms_key_id = var.kms_key_arn

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = var.allocated_storage_gb * 4
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = var.kms_key_arn

  multi_az               = true
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  parameter_group_name   = aws_db_parameter_group.this.name

  backup_retention_period   = var.backup_retention_days
  backup_window             = "03:00-04:00"
  maintenance_window        = "sun:04:30-sun:05:30"
  copy_tags_to_snapshot     = true
  deletion_protection       = true
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.name}-final"

  auto_minor_version_upgrade          = true
  iam_database_authentication_enabled = true
  enabled_cloudwatch_logs_exports     = ["postgresql", "upgrade"]
  performance_insights_enabled        = true
  performance_insights_kms_key_id     = var.kms_key_arn
  monitoring_interval                 = 60
  monitoring_role_arn                 = aws_iam_role.monitoring.arn
}

# ----- AWS Backup ---------------------------------------------------------------------------

resource "aws_backup_vault" "this" {
  name        = var.name
  kms_key_arn = var.kms_key_arn
}

resource "aws_backup_plan" "this" {
  name = var.name

  rule {
    rule_name         = "daily"
    target_vault_name = aws_backup_vault.this.name
    schedule          = "cron(0 5 * * ? *)"
    start_window      = 60
    completion_window = 360

    lifecycle {
      delete_after = var.backup_plan_retention_days
    }
  }
}

data "aws_iam_policy_document" "backup_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["backup.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "backup" {
  name               = "${var.name}-backup"
  assume_role_policy = data.aws_iam_policy_document.backup_assume.json
}

resource "aws_iam_role_policy_attachment" "backup" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
}

resource "aws_iam_role_policy_attachment" "restore" {
  role       = aws_iam_role.backup.name
  policy_arn = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
}

resource "aws_backup_selection" "db" {
  name         = "${var.name}-postgres"
  plan_id      = aws_backup_plan.this.id
  iam_role_arn = aws_iam_role.backup.arn
  resources    = [aws_db_instance.this.arn]
}

output "instance_id" {
  description = "The RDS instance identifier."
  value       = aws_db_instance.this.identifier
}

output "endpoint" {
  description = "host:port of the primary."
  value       = aws_db_instance.this.endpoint
}

output "backup_vault_name" {
  description = "Where the daily recovery points are."
  value       = aws_backup_vault.this.name
}

output "master_user_secret_arn" {
  description = "The master user's secret, kept by RDS (only the ops task reads it, to create the application user)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "address" {
  description = "Host name of the primary."
  value       = aws_db_instance.this.address
}

output "security_group_id" {
  description = "The database's security group (a restored instance must use it too)."
  value       = aws_security_group.db.id
}

output "parameter_group_name" {
  description = "Parameter group (forced TLS); a restored instance must use it too."
  value       = aws_db_parameter_group.this.name
}

output "subnet_group_name" {
  description = "Subnet group of the instance."
  value       = aws_db_subnet_group.this.name
}

output "protection" {
  description = "What keeps the data: backups (days), Multi-AZ, deletion protection, encryption, forced TLS."
  value = {
    backup_retention_days = aws_db_instance.this.backup_retention_period
    multi_az              = aws_db_instance.this.multi_az
    deletion_protection   = aws_db_instance.this.deletion_protection
    storage_encrypted     = aws_db_instance.this.storage_encrypted
    backup_plan_days      = one(aws_backup_plan.this.rule).lifecycle[0].delete_after
    force_ssl             = one([for parameter in aws_db_parameter_group.this.parameter : parameter.value if parameter.name == "rds.force_ssl"])
  }
}
