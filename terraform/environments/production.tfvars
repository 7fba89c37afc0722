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
