# What runs: one ECS service per role of the code, and the queues the code declares.
# tests/unit/test_shipping.py reads this file and fails when a role of the code
# (gateway/__main__.py ROLES, plus bff) or a queue (shared/messaging/topology.py QUEUES)
# is missing here, so a new one cannot be forgotten.

locals {
  name = "origin-${var.environment}"

  # Only staging and production may reach a real SMS provider (DESIGN.md); they are also
  # the only environments this stack accepts (see var.environment), so this is always true
  # here. It is spelled out so the rule is visible where the credentials are created.
  sms_enabled = contains(["staging", "production"], var.environment)

  roles = {
    bff = {
      host         = "api"
      command      = ["python", "-m", "bff"]
      port         = 8080
      public       = true # behind the ALB as api.<domain>
      public_paths = ["/*"]
      # Presigns PUT URLs for rosters (the uploader writes with the bff's signature) and GET URLs
      # for their reports (gateway/eligibility/flows.py writes `<key>.report.csv`).
      s3_read     = ["*.report.csv"]
      s3_write    = ["eligibility-uploads/*"]
      sends_email = false
    }
    gateway-web = {
      host         = "hooks"
      command      = ["python", "-m", "gateway", "web"]
      port         = 8081
      public       = true # only /webhooks/* is routed from the ALB (hooks.<domain>)
      public_paths = ["/webhooks/*"]
      s3_read      = []
      s3_write     = []
      sends_email  = false
    }
    gateway-worker = {
      host         = null
      command      = ["python", "-m", "gateway", "worker"]
      port         = 8082
      public       = false
      public_paths = []
      # Reads any roster submitted in the bucket; writes its report next to it, create-only.
      s3_read     = ["*"]
      s3_write    = ["*.report.csv"]
      sends_email = true # sign-up verification (Amazon SES)
    }
    gateway-scheduler = {
      host         = null
      command      = ["python", "-m", "gateway", "scheduler"]
      port         = 8083
      public       = false
      public_paths = []
      s3_read      = []
      s3_write     = []
      sends_email  = false
    }
  }

  # One-shot task run by CircleCI before the services are updated.
  migrate_command = ["python", "-m", "shared.ops", "migrate"]

  # Consumer queues (shared/messaging/topology.py); each has a `<queue>.dlq` dead-letter queue.
  consumer_queues = ["gateway.sms", "gateway.sms_status", "gateway.accounts", "gateway.scheduling", "gateway.eligibility", "gateway.email"]
}
