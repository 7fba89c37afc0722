# Origin on AWS: one region, two availability zones, Docker containers on ECS Fargate.

data "aws_caller_identity" "current" {}

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
  source      = "./modules/s3"
  name        = local.name
  kms_key_arn = module.kms.key_arn
}

module "secrets" {
  source      = "./modules/secrets"
  name        = local.name
  kms_key_arn = module.kms.key_arn
  sms_enabled = local.sms_enabled
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
}

module "iam" {
  source             = "./modules/iam"
  name               = local.name
  roles              = { for role, spec in local.roles : role => spec.s3_access }
  kms_key_arn        = module.kms.key_arn
  ecr_repository_arn = module.ecr.repository_arn
  log_group_arns     = module.monitoring.log_group_arns
  app_secret_arn     = module.secrets.app_secret_arn
  sms_secret_arn     = module.secrets.sms_secret_arn
  bucket_arn         = module.s3.files_bucket_arn
}

module "ecs" {
  source                   = "./modules/ecs"
  name                     = local.name
  environment              = var.environment
  region                   = var.region
  vpc_id                   = module.network.vpc_id
  subnet_ids               = module.network.private_subnet_ids
  alb_security_group_id    = module.alb.security_group_id
  target_group_arns        = module.alb.target_group_arns
  image                    = "${module.ecr.repository_url}:${var.image_tag}"
  roles                    = local.roles
  migrate_command          = local.migrate_command
  desired_counts           = var.desired_counts
  task_sizes               = var.task_sizes
  execution_role_arn       = module.iam.execution_role_arn
  task_role_arns           = module.iam.task_role_arns
  log_group_names          = module.monitoring.log_group_names
  app_secret_arn           = module.secrets.app_secret_arn
  sms_secret_arn           = module.secrets.sms_secret_arn
  sms_secret_keys          = module.secrets.sms_secret_keys
  files_bucket_name        = module.s3.files_bucket_name
  shutdown_timeout_seconds = 20
  drain_seconds            = 5
  stop_timeout_seconds     = 30
}
