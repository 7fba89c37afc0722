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
