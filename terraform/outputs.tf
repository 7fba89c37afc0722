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

output "app_secret_arn" {
  description = "JSON secret with DATABASE_URL, AMQP_URL, SENTRY_DSN, NEW_RELIC_LICENSE_KEY (values set out of band)."
  value       = module.secrets.app_secret_arn
}

output "db_instance_id" {
  description = "RDS instance (restore from its snapshots, see RUNBOOK.md)."
  value       = module.rds.instance_id
}
