# terraform plan -var-file=environments/staging.tfvars
# Staging talks to the real SMS provider (test numbers only): its secret exists here.
environment        = "staging"
region             = "us-east-1"
availability_zones = ["us-east-1a", "us-east-1b"]
vpc_cidr           = "10.20.0.0/16"
domain_name        = "staging.origin.example"
hosted_zone_id     = "Z0000000STAGING0000"
alarm_email        = "oncall+staging@origin.example"

desired_counts = {
  bff               = 2
  gateway-web       = 2
  gateway-worker    = 2
  gateway-scheduler = 2
}

task_sizes = {
  bff               = { cpu = 256, memory = 512 }
  gateway-web       = { cpu = 256, memory = 512 }
  gateway-worker    = { cpu = 256, memory = 512 }
  gateway-scheduler = { cpu = 256, memory = 512 }
}

db_instance_class          = "db.t4g.medium"
db_allocated_storage_gb    = 50
db_backup_retention_days   = 7
backup_plan_retention_days = 35
mq_instance_type           = "mq.m5.large"
log_retention_days         = 365

# What the roles are configured with (modules/task_environment). Non-secret ids only: the
# providers' secrets are in Secrets Manager (RUNBOOK.md, "Secrets: creation and rotation").
sms_provider = {
  base_url    = "https://api.twilio.com"
  account_sid = "AC5f2c7e0d9b8a41c6a3e1f4b7d2c9e8a1"
  from_number = "+18885550199" # example: the staging sender Twilio assigns
}
aggregation_provider = {
  base_url  = "https://sandbox.plaid.com"
  client_id = "5f2c7e0d9b8a41c6a3e1f4b7"
}
scheduling_provider = {
  base_url         = "https://api.calendly.com"
  organization_uri = "https://api.calendly.com/organizations/STAGINGORG000001"
}
email_from_address = "no-reply@staging.origin.example"

# Service autoscaling: at least two tasks per role that serves traffic, one per zone.
autoscaling = {
  bff               = { min = 2, max = 6 }
  gateway-web       = { min = 2, max = 4 }
  gateway-worker    = { min = 2, max = 6 }
  gateway-scheduler = { min = 2, max = 2 }
}

circleci_organization_id = "7d1e3c52-4b8f-4a0e-9c61-2f5d8e9a1b30"
circleci_project_id      = "c4a9e2f1-6b3d-4e57-8a10-9f2b7c6d5e41"
