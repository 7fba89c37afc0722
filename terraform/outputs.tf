output "api_url" {
  description = "The bff, as the webapp calls it."
  value       = "https://${module.alb.hostnames["bff"]}"
}

output "webhooks_url" {
  description = "Where providers send their callbacks (/webhooks/<provider>)."
  value       = "https://${module.alb.hostnames["gateway-web"]}"
}

output "ecr_repository_url" {
  description = "Where CircleCI pushes the image."
  value       = module.ecr.repository_url
}

output "ecs_cluster_name" {
  description = "Cluster of the role services."
  value       = module.ecs.cluster_name
}

output "ecs_service_names" {
  description = "Role => ECS service name (CircleCI updates each)."
  value       = module.ecs.service_names
}

output "migrate_task_family" {
  description = "Task definition family of the one-shot migration."
  value       = module.ecs.migrate_task_family
}

output "files_bucket" {
  description = "Eligibility files and reports."
  value       = module.s3.files_bucket_name
}

output "secret_arns" {
  description = "Secrets whose values operators put (RUNBOOK.md, Secrets): app, sms, aggregation, scheduling."
  value       = module.secrets.arns
}

output "secret_keys" {
  description = "The JSON keys each of those secrets must hold."
  value       = module.task_environment.secret_keys
}

output "ops_task_family" {
  description = "Task definition family of one-off operator commands (scripts/ecs-ops.sh)."
  value       = module.ecs.ops_task_family
}

output "webapp_url" {
  description = "The advisor console."
  value       = "https://${local.webapp_host}"
}

output "webapp_bucket" {
  description = "WEBAPP_BUCKET of the CircleCI context: where the deploy syncs webapp/dist."
  value       = module.webapp.bucket_name
}

output "webapp_distribution_id" {
  description = "WEBAPP_DISTRIBUTION_ID of the CircleCI context: invalidated after each sync."
  value       = module.webapp.distribution_id
}

output "circleci_deploy_role_arn" {
  description = "AWS_ROLE_ARN of the CircleCI context of this environment."
  value       = module.ci.deploy_role_arn
}

output "rds_restore_settings" {
  description = "What a restored instance needs to be reachable and keep forced TLS (RUNBOOK.md, Backups and restore)."
  value = {
    subnet_group    = module.rds.subnet_group_name
    security_group  = module.rds.security_group_id
    parameter_group = module.rds.parameter_group_name
  }
}

output "db_instance_id" {
  description = "RDS instance (restore from its snapshots, see RUNBOOK.md)."
  value       = module.rds.instance_id
}
