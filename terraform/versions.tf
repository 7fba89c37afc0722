terraform {
  required_version = ">= 1.7.0"

  # terraform test with mock providers needs 1.7; scripts/check-infra.sh runs 1.11.

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
  }

  # State lives in S3 (encrypted, versioned, locked); one key per environment:
  #   terraform init -backend-config=environments/staging.backend.hcl
  backend "s3" {}
}

provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "origin"
      Environment = var.environment
      ManagedBy   = "terraform"
    }
  }
}
