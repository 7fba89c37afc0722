# The deploy rehearsal's terraform half (scripts/check-infra.sh runs it once per environment:
# `terraform test -var-file=environments/<env>.tfvars`). The AWS provider is mocked: nothing is
# called, computed values are made up, and what is checked is what this configuration decides.
# tests/deploy/ (pytest) is the other half: it starts every role with these task definitions'
# variables and sees each one become ready.

mock_provider "aws" {
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\": \"2012-10-17\", \"Statement\": []}" }
  }
  mock_data "aws_vpc" {
    defaults = { cidr_block = "10.0.0.0/16" }
  }
  # The provider still validates ARNs of what it is given: made-up ARNs of the right shape.
  mock_resource "aws_kms_key" {
    defaults = { arn = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:origin-alarms" }
  }
  mock_resource "aws_lb" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/origin/0000000000000000" }
  }
  mock_resource "aws_lb_target_group" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/origin/0000000000000000" }
  }
  mock_resource "aws_acm_certificate_validation" {
    defaults = { certificate_arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_wafv2_web_acl" {
    defaults = { arn = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/origin/00000000-0000-0000-0000-000000000000" }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:/ecs/origin" }
  }
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/origin" }
  }
  mock_resource "aws_cloudfront_function" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:function/origin-webapp-spa" }
  }
  mock_resource "aws_cloudfront_distribution" {
    defaults = { arn = "arn:aws:cloudfront::123456789012:distribution/E000000000000" }
  }
  mock_resource "aws_secretsmanager_secret" {
    defaults = { arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:origin/app-AbCdEf" }
  }
  mock_resource "aws_ecs_task_definition" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:task-definition/origin:1" }
  }
  mock_resource "aws_service_discovery_http_namespace" {
    defaults = { arn = "arn:aws:servicediscovery:us-east-1:123456789012:namespace/ns-0000000000000000" }
  }
  mock_resource "aws_iam_openid_connect_provider" {
    defaults = { arn = "arn:aws:iam::123456789012:oidc-provider/oidc.circleci.com/org/0000" }
  }
  mock_resource "aws_s3_bucket" {
    defaults = { arn = "arn:aws:s3:::origin-bucket" }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { arn = "arn:aws:ecr:us-east-1:123456789012:repository/origin-python" }
  }
  mock_resource "aws_backup_vault" {
    defaults = { arn = "arn:aws:backup:us-east-1:123456789012:backup-vault:origin" }
  }
  mock_resource "aws_backup_plan" {
    defaults = { arn = "arn:aws:backup:us-east-1:123456789012:backup-plan:origin" }
  }
  mock_resource "aws_lb_listener" {
    defaults = { arn = "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/origin/0000000000000000/0000000000000000" }
  }
  mock_resource "aws_ecs_cluster" {
    defaults = { arn = "arn:aws:ecs:us-east-1:123456789012:cluster/origin" }
  }
  mock_resource "aws_mq_broker" {
    defaults = {
      instances = [{
        console_url = "https://b-0000.mq.us-east-1.amazonaws.com"
        endpoints   = ["amqps://b-0000.mq.us-east-1.amazonaws.com:5671"]
        ip_address  = "10.0.8.10"
      }]
    }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      master_user_secret = [{
        secret_arn    = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0000-AbCdEf"
        kms_key_id    = "arn:aws:kms:us-east-1:123456789012:key/0000"
        secret_status = "active"
      }]
    }
  }
  mock_resource "aws_ses_domain_dkim" {
    defaults = { dkim_tokens = ["dkimtoken0", "dkimtoken1", "dkimtoken2"] }
  }
  mock_data "aws_secretsmanager_random_password" {
    defaults = { random_password = "MockedBrokerAdminPassword0123456789abcdef" }
  }
  # ACM's validation records for every public name of both environments.
  mock_resource "aws_acm_certificate" {
    defaults = {
      arn = "arn:aws:acm:us-east-1:123456789012:certificate/00000000-0000-0000-0000-000000000000"
      domain_validation_options = [
        for name in [
          "api.staging.origin.example", "hooks.staging.origin.example", "app.staging.origin.example",
          "api.origin.example", "hooks.origin.example", "app.origin.example",
          ] : {
          domain_name           = name
          resource_record_name  = "_validation.${name}."
          resource_record_type  = "CNAME"
          resource_record_value = "_validation.acm-validations.aws."
        }
      ]
    }
  }
}

variables {
  # What shared/settings.py refuses to start without in staging and production (every role loads
  # the same Settings): the provider URLs and ids agreed for #14 and every secret setting.
  required_environment = [
    "APP_ENV", "GATEWAY_INTERNAL_URL", "PUBLIC_WEBHOOK_BASE_URL", "SMS_BASE_URL", "SMS_FROM_NUMBER",
    "SMS_ACCOUNT_SID", "AGGREGATION_BASE_URL", "AGGREGATION_CLIENT_ID", "SCHEDULING_BASE_URL",
    "SCHEDULING_ORGANIZATION_URI", "WEBAPP_BASE_URL", "EMAIL_FROM_ADDRESS", "FILES_BUCKET",
  ]
  required_secrets = [
    "DATABASE_URL", "AMQP_URL", "INTERNAL_SERVICE_TOKEN", "OPS_PASSWORD", "SMS_AUTH_TOKEN",
    "AGGREGATION_SECRET", "ACCESS_TOKEN_ENCRYPTION_KEYS", "SCHEDULING_API_TOKEN",
    "SCHEDULING_WEBHOOK_SIGNING_KEY", "MFA_SECRET_ENCRYPTION_KEYS",
  ]
}

run "the_environment_deploys" {
  command = apply

  # --- the console uploads rosters straight to S3 (presigned PUT): CORS for its origin only ---
  assert {
    condition     = module.s3.upload_origins == ["https://app.${var.domain_name}"]
    error_message = "The files bucket must accept presigned PUTs from the console's origin, and only from it."
  }

  # --- every role has a service, on Fargate, in both zones ----------------------------------
  assert {
    condition     = sort(keys(module.ecs.services)) == sort(keys(local.roles))
    error_message = "Every role of terraform/workload.tf needs an ECS service."
  }
  assert {
    condition     = alltrue([for service in values(module.ecs.services) : service.launch_type == "FARGATE" && length(service.subnets) == 2])
    error_message = "Every service runs on Fargate in the two private subnets."
  }
  assert {
    condition     = length(distinct(module.network.subnet_zones.private)) == 2 && length(distinct(module.network.subnet_zones.public)) == 2
    error_message = "Both availability zones have a public and a private subnet."
  }
  assert {
    condition     = sort(module.network.subnet_zones.private) == sort(var.availability_zones)
    error_message = "The private subnets are in the two zones of the environment."
  }
  assert {
    condition     = alltrue([for role, spec in local.roles : module.ecs.services[role].load_balanced == spec.public])
    error_message = "Exactly the public roles sit behind the ALB."
  }
  assert {
    condition     = alltrue([for service in values(module.ecs.services) : !service.execute_command])
    error_message = "ECS Exec stays off: operators use the audited ops task (scripts/ecs-ops.sh)."
  }

  # --- scaling --------------------------------------------------------------------------------
  assert {
    condition     = alltrue([for role, spec in local.roles : module.ecs.services[role].min_tasks >= 2 if spec.public])
    error_message = "At least two tasks per public role (one per zone)."
  }
  assert {
    condition     = var.environment != "production" || alltrue([for role, spec in local.roles : module.ecs.services[role].min_tasks >= 2 && module.ecs.services[role].desired_count >= 2 if spec.public])
    error_message = "Production runs at least two tasks per public role, spread over both zones."
  }
  assert {
    condition     = alltrue([for role, spec in local.roles : contains(module.ecs.scaling_policies[role], "cpu") && contains(module.ecs.scaling_policies[role], "requests") if spec.public])
    error_message = "bff and gateway web scale on CPU and ALB requests per target."
  }
  assert {
    condition     = module.ecs.scaling_policies["gateway-worker"] == ["queue-backlog"]
    error_message = "The worker scales on its queues' backlog (Amazon MQ metrics)."
  }

  # --- the database keeps its data ------------------------------------------------------------
  assert {
    condition     = module.rds.protection.backup_retention_days >= 7 && module.rds.protection.backup_plan_days >= 35
    error_message = "RDS automated backups (>= 7 days) and the AWS Backup plan (>= 35 days) are on."
  }
  assert {
    condition     = module.rds.protection.multi_az && module.rds.protection.deletion_protection && module.rds.protection.storage_encrypted && module.rds.protection.force_ssl == "1"
    error_message = "RDS is Multi-AZ, protected from deletion, encrypted and forces TLS."
  }

  # --- every task definition carries what its role refuses to start without -------------------
  assert {
    condition = alltrue([
      for name, definition in module.ecs.container_definitions :
      length(setsubtract(var.required_environment, [for item in jsondecode(definition)[0].environment : item.name])) == 0
    ])
    error_message = "A task definition lacks a required plain setting: ${join("; ", [for name, definition in module.ecs.container_definitions : "${name}: ${join(", ", setsubtract(var.required_environment, [for item in jsondecode(definition)[0].environment : item.name]))}" if length(setsubtract(var.required_environment, [for item in jsondecode(definition)[0].environment : item.name])) > 0])}"
  }
  assert {
    condition = alltrue([
      for name, definition in module.ecs.container_definitions :
      length(setsubtract(var.required_secrets, [for item in jsondecode(definition)[0].secrets : item.name])) == 0
    ])
    error_message = "A task definition lacks a required secret: ${join("; ", [for name, definition in module.ecs.container_definitions : "${name}: ${join(", ", setsubtract(var.required_secrets, [for item in jsondecode(definition)[0].secrets : item.name]))}" if length(setsubtract(var.required_secrets, [for item in jsondecode(definition)[0].secrets : item.name])) > 0])}"
  }
  assert {
    condition = alltrue([
      for name, definition in module.ecs.container_definitions :
      sort([for item in jsondecode(definition)[0].environment : item.name]) == module.task_environment.names[name].environment
      && sort([for item in jsondecode(definition)[0].secrets : item.name]) == module.task_environment.names[name].secrets
    ])
    error_message = "Task definitions must carry exactly modules/task_environment's variables (what tests/deploy/ starts the roles with)."
  }
  assert {
    condition = alltrue([
      for name, definition in module.ecs.container_definitions :
      alltrue([for item in jsondecode(definition)[0].secrets : can(regex("^arn:aws:secretsmanager:.+:[A-Za-z_]+::$", item.valueFrom))])
    ])
    error_message = "Every secret is one JSON key of a Secrets Manager secret (ARN:KEY::)."
  }
  assert {
    condition     = alltrue([for name, definition in module.ecs.container_definitions : one([for item in jsondecode(definition)[0].environment : item.value if item.name == "APP_ENV"]) == var.environment])
    error_message = "APP_ENV of every container is the environment's."
  }
  assert {
    condition = alltrue([
      for role in keys(local.roles) :
      jsondecode(module.ecs.container_definitions[role])[0].healthCheck.command == module.task_environment.liveness_command
      && strcontains(jsondecode(module.ecs.container_definitions[role])[0].healthCheck.command[3], "/livez")
    ])
    error_message = "Container health checks probe liveness (/livez), never readiness (/)."
  }
  assert {
    condition     = one([for item in jsondecode(module.ecs.container_definitions["bff"])[0].environment : item.value if item.name == "GATEWAY_INTERNAL_URL"]) == "http://gateway-web:8081"
    error_message = "The bff reaches the gateway by its Service Connect name."
  }
  assert {
    condition     = one([for item in jsondecode(module.ecs.container_definitions["gateway-web"])[0].environment : item.value if item.name == "PUBLIC_WEBHOOK_BASE_URL"]) == "https://hooks.${var.domain_name}"
    error_message = "Webhook signatures are checked against the public hooks.<domain> URL."
  }
  assert {
    condition = alltrue([
      for role, spec in local.roles :
      one([for item in jsondecode(module.ecs.container_definitions[role])[0].environment : item.value if item.name == "OUTBOX_RELAY_ENABLED"]) == (role == "gateway-web" ? "false" : "true")
    ])
    error_message = "gateway web's loop serves webhooks only; every other role relays the outbox."
  }
  assert {
    condition = alltrue(flatten([
      for name, definition in module.ecs.container_definitions : [
        for item in jsondecode(definition)[0].environment : startswith(item.value, "https://") if endswith(item.name, "_BASE_URL")
      ]
    ]))
    error_message = "Provider and public base URLs are https (no simulator, no localhost)."
  }
  assert {
    condition     = length([for item in jsondecode(module.ecs.container_definitions["ops"])[0].secrets : item if startswith(item.name, "DATABASE_ADMIN_")]) == 2 && alltrue([for role in keys(local.roles) : length([for item in jsondecode(module.ecs.container_definitions[role])[0].secrets : item if strcontains(item.name, "_ADMIN_")]) == 0])
    error_message = "Only the ops task gets the database and broker admin credentials."
  }
}
