terraform {
  required_version = ">= 1.5.0"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.80"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.6"
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
