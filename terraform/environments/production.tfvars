# terraform plan -var-file=environments/production.tfvars
# Production sends SMS to members: its SMS provider secret exists here.
environment        = "production"
region             = "us-east-1"
availability_zones = ["us-east-1a", "us-east-1b"]
vpc_cidr           = "10.10.0.0/16"
domain_name        = "origin.example"
hosted_zone_id     = "Z000000PRODUCTION00"
alarm_email        = "oncall@origin.example"

desired_counts = {
  bff               = 4
  gateway-web       = 2
  gateway-worker    = 4
  gateway-scheduler = 2
}

task_sizes = {
  bff               = { cpu = 1024, memory = 2048 }
  gateway-web       = { cpu = 512, memory = 1024 }
  gateway-worker    = { cpu = 1024, memory = 2048 }
  gateway-scheduler = { cpu = 256, memory = 512 }
}

db_instance_class          = "db.m6g.large"
db_allocated_storage_gb    = 200
db_backup_retention_days   = 35
backup_plan_retention_days = 365
mq_instance_type           = "mq.m5.large"
log_retention_days         = 731

# What the roles are configured with (modules/task_environment). Non-secret ids only: the
# providers' secrets are in Secrets Manager (RUNBOOK.md, "Secrets: creation and rotation").
sms_provider = {
  base_url    = "https://api.twilio.com"
  account_sid = "AC9e4b1f7a2c6d40e8b5a3c1f9d7e2b6a4"
  from_number = "+18885550100"
}
aggregation_provider = {
  base_url  = "https://production.plaid.com"
  client_id = "9e4b1f7a2c6d40e8b5a3c1f9"
}
scheduling_provider = {
  base_url         = "https://api.calendly.com"
  organization_uri = "https://api.calendly.com/organizations/PRODORG000000001"
}
email_from_address = "no-reply@origin.example"

# Service autoscaling: at least two tasks per role that serves traffic, one per zone.
autoscaling = {
  bff               = { min = 4, max = 20 }
  gateway-web       = { min = 2, max = 8 }
  gateway-worker    = { min = 4, max = 16 }
  gateway-scheduler = { min = 2, max = 2 }
}

circleci_organization_id = "7d1e3c52-4b8f-4a0e-9c61-2f5d8e9a1b30"
circleci_project_id      = "c4a9e2f1-6b3d-4e57-8a10-9f2b7c6d5e41"
