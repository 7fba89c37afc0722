# The one Python image of every role.

variable "name" {
  description = "Repository name."
  type        = string
}

variable "kms_key_arn" {
  description = "Key that encrypts the images."
  type        = string
}

resource "aws_ecr_repository" "this" {
  # checkov:skip=CKV_AWS_51:CircleCI also tags the image with its branch, a tag that moves by design; task definitions always pin the immutable commit-sha tag.
  name                 = var.name
  image_tag_mutability = "MUTABLE"

  image_scanning_configuration {
    scan_on_push = true
  }

  encryption_configuration {
    encryption_type = "KMS"
    kms_key         = var.kms_key_arn
  }
}

resource "aws_ecr_lifecycle_policy" "this" {
  repository = aws_ecr_repository.this.name
  policy = jsonencode({
    rules = [{
      rulePriority = 1
      description  = "Keep the last 100 images (rollbacks reach back that far)"
      selection = {
        tagStatus   = "any"
        countType   = "imageCountMoreThan"
        countNumber = 100
      }
      action = { type = "expire" }
    }]
  })
}

output "repository_url" {
  description = "Where images are pushed."
  value       = aws_ecr_repository.this.repository_url
}

output "repository_arn" {
  description = "For the execution role's pull permission."
  value       = aws_ecr_repository.this.arn
}
