# terraform init -backend-config=environments/staging.backend.hcl
bucket       = "origin-terraform-state-staging"
key          = "origin/staging.tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
