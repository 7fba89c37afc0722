# terraform init -backend-config=environments/production.backend.hcl
bucket       = "origin-terraform-state-production"
key          = "origin/production.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
