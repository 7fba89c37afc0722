# Origin on AWS: one region, two availability zones, Docker containers on ECS Fargate.

data "aws_caller_identity" "current" {}

locals {
  # The bff reaches the gateway's internal API by its Service Connect name (modules/ecs).
  gateway_internal_url = "http://gateway-web:${local.roles["gateway-web"].port}"
  # The advisor console (CloudFront, modules/webapp); its /api/* goes to the bff.
  webapp_host = "app.${var.domain_name}"
}

module "kms" {
  source     = "./modules/kms"
  name       = local.name
  region     = var.region
  account_id = data.aws_caller_identity.current.account_id
}

module "network" {
  source             = "./modules/network"
  name               = local.name
  cidr               = var.vpc_cidr
  availability_zones = var.availability_zones
  kms_key_arn        = module.kms.key_arn
  log_retention_days = var.log_retention_days
}

module "ecr" {
  source      = "./modules/ecr"
  name        = "origin-python"
  kms_key_arn = module.kms.key_arn
}

module "s3" {
  source         = "./modules/s3"
  name           = local.name
  kms_key_arn    = module.kms.key_arn
  console_origin = "https://${local.webapp_host}"
}

module "secrets" {
  source      = "./modules/secrets"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  sms_enabled = local.sms_enabled
  secret_keys = module.task_environment.secret_keys
}

# Every container's environment and secrets, listed once (tests/deploy/ starts each role with
# exactly these; terraform/tests/ checks the task definitions carry them).
module "task_environment" {
  source                  = "./modules/task_environment"
  environment             = var.environment
  region                  = var.region
  roles                   = { for role, spec in local.roles : role => spec.port }
  files_bucket            = module.s3.files_bucket_name
  gateway_internal_url    = local.gateway_internal_url
  public_webhook_base_url = "https://${module.alb.hostnames["gateway-web"]}"
  webapp_base_url         = "https://${local.webapp_host}"
  email_from_address      = var.email_from_address
  sms                     = var.sms_provider
  aggregation             = var.aggregation_provider
  scheduling              = var.scheduling_provider
  secret_arns             = module.secrets.arns
  ops_secret_arns = {
    database_admin = module.rds.master_user_secret_arn
    broker_admin   = module.secrets.mq_admin_secret_arn
    ops_input      = module.secrets.ops_input_secret_arn
  }
  broker_management_url    = module.mq.console_url
  sentry_enabled           = var.sentry_enabled
  new_relic_enabled        = var.new_relic_enabled
  shutdown_timeout_seconds = 20
  drain_seconds            = 5
  # The webhook intake's loop serves requests only; the worker and scheduler publish its rows.
  non_relaying_roles = ["gateway-web"]
}

module "rds" {
  source                     = "./modules/rds"
  name                       = local.name
  vpc_id                     = module.network.vpc_id
  subnet_ids                 = module.network.private_subnet_ids
  client_security_group_id   = module.ecs.tasks_security_group_id
  kms_key_arn                = module.kms.key_arn
  instance_class             = var.db_instance_class
  allocated_storage_gb       = var.db_allocated_storage_gb
  backup_retention_days      = var.db_backup_retention_days
  backup_plan_retention_days = var.backup_plan_retention_days
}

module "mq" {
  source                   = "./modules/mq"
  name                     = local.name
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  client_security_group_id = module.ecs.tasks_security_group_id
  instance_type            = var.mq_instance_type
  admin_secret_id          = module.secrets.mq_admin_secret_id
}

module "alb" {
  source              = "./modules/alb"
  name                = local.name
  vpc_id              = module.network.vpc_id
  subnet_ids          = module.network.public_subnet_ids
  domain_name         = var.domain_name
  hosted_zone_id      = var.hosted_zone_id
  access_logs_bucket  = module.s3.logs_bucket_name
  kms_key_arn         = module.kms.key_arn
  log_retention_days  = var.log_retention_days
  routes              = { for role, spec in local.roles : role => spec if spec.public }
  deregistration_secs = 15
}

module "dns" {
  source         = "./modules/dns"
  hosted_zone_id = var.hosted_zone_id
  records        = module.alb.hostnames
  alb_dns_name   = module.alb.dns_name
  alb_zone_id    = module.alb.zone_id
}

module "monitoring" {
  source                      = "./modules/monitoring"
  name                        = local.name
  kms_key_arn                 = module.kms.key_arn
  log_retention_days          = var.log_retention_days
  roles                       = keys(local.roles)
  alarm_email                 = var.alarm_email
  alb_arn_suffix              = module.alb.arn_suffix
  target_group_arn_suffixes   = module.alb.target_group_arn_suffixes
  mq_broker_name              = module.mq.broker_name
  consumer_queues             = local.consumer_queues
  queue_depth_alarm_threshold = var.queue_depth_alarm_threshold
  db_instance_id              = module.rds.instance_id
  ecs_cluster_name            = module.ecs.cluster_name
  ecs_service_names           = module.ecs.service_names
  public_health_fqdn          = module.alb.hostnames["bff"]
}

module "iam" {
  source     = "./modules/iam"
  name       = local.name
  region     = var.region
  account_id = data.aws_caller_identity.current.account_id
  roles = {
    for role, spec in local.roles : role => {
      s3_read     = spec.s3_read
      s3_write    = spec.s3_write
      sends_email = spec.sends_email
    }
  }
  kms_key_arn        = module.kms.key_arn
  ecr_repository_arn = module.ecr.repository_arn
  log_group_arns     = module.monitoring.log_group_arns
  secret_arns        = module.task_environment.secret_arns
  bucket_arn         = module.s3.files_bucket_arn
  email_identity     = module.email.identity
  email_from_address = var.email_from_address
}

module "ecs" {
  source                    = "./modules/ecs"
  name                      = local.name
  region                    = var.region
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  alb_security_group_id     = module.alb.security_group_id
  target_group_arns         = module.alb.target_group_arns
  image                     = "${module.ecr.repository_url}:${var.image_tag}"
  roles                     = local.roles
  migrate_command           = local.migrate_command
  desired_counts            = var.desired_counts
  task_sizes                = var.task_sizes
  execution_role_arn        = module.iam.execution_role_arn
  task_role_arns            = module.iam.task_role_arns
  log_group_names           = module.monitoring.log_group_names
  containers                = module.task_environment.containers
  liveness_command          = module.task_environment.liveness_command
  ops_task_role_arn         = module.iam.ops_task_role_arn
  autoscaling               = var.autoscaling
  scaling_targets           = var.scaling_targets
  alb_arn_suffix            = module.alb.arn_suffix
  target_group_arn_suffixes = module.alb.target_group_arn_suffixes
  mq_broker_name            = module.mq.broker_name
  worker_queues             = local.consumer_queues
  stop_timeout_seconds      = 30
}

module "email" {
  source         = "./modules/email"
  domain         = split("@", var.email_from_address)[1]
  hosted_zone_id = var.hosted_zone_id
}

module "webapp" {
  source          = "./modules/webapp"
  name            = local.name
  host            = local.webapp_host
  api_origin_host = module.alb.hostnames["bff"]
  hosted_zone_id  = var.hosted_zone_id
  logs_bucket_id  = module.s3.logs_bucket_name
}

module "ci" {
  source                  = "./modules/ci"
  name                    = local.name
  region                  = var.region
  account_id              = data.aws_caller_identity.current.account_id
  organization_id         = var.circleci_organization_id
  project_id              = var.circleci_project_id
  ecr_repository_arn      = module.ecr.repository_arn
  cluster_arn             = module.ecs.cluster_arn
  service_arns            = values(module.ecs.service_arns)
  migrate_task_family     = module.ecs.migrate_task_family
  pass_role_arns          = concat([module.iam.execution_role_arn], values(module.iam.task_role_arns))
  migrate_log_group_arn   = module.monitoring.log_group_arns["migrate"]
  webapp_bucket_arn       = module.webapp.bucket_arn
  webapp_distribution_arn = module.webapp.distribution_arn
}
