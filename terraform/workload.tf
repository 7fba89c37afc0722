# What runs: one ECS service per role of the code, and the queues the code declares.
# tests/unit/test_shipping.py reads this file and fails when a role of the code
# (gateway/__main__.py ROLES, plus bff) or a queue (shared/messaging/topology.py QUEUES)
# is missing here, so a new one cannot be forgotten.

locals {
  name = "origin-${var.environment}"

  # Only staging and production may reach a real SMS provider (DESIGN.md); they are also
  # the only environments this stack accepts (see var.environment), so this is always true
  # here. It is spelled out so the rule is visible where the credentials are wired.
  sms_enabled = contains(["staging", "production"], var.environment)

  roles = {
    bff = {
      host         = "api"
      command      = ["python", "-m", "bff"]
      port         = 8080
      public       = true # behind the ALB as api.<domain>
      uses_sms     = false
      s3_access    = "read"
      public_paths = ["/*"]
    }
    gateway-web = {
      host         = "hooks"
      command      = ["python", "-m", "gateway", "web"]
      port         = 8081
      public       = true # only /webhooks/* is routed from the ALB (hooks.<domain>)
      uses_sms     = true # verifies the SMS provider's webhook signatures
      s3_access    = "read-write"
      public_paths = ["/webhooks/*"]
    }
    gateway-worker = {
      host         = null
      command      = ["python", "-m", "gateway", "worker"]
      port         = 8082
      public       = false
      uses_sms     = true # dispatches SMS
      s3_access    = "read-write"
      public_paths = []
    }
    gateway-scheduler = {
      host         = null
      command      = ["python", "-m", "gateway", "scheduler"]
      port         = 8083
      public       = false
      uses_sms     = false
      s3_access    = "none"
      public_paths = []
    }
  }

  # One-shot task run by CircleCI before the services are updated.
  migrate_command = ["python", "-m", "shared.ops", "migrate"]

  # Consumer queues (shared/messaging/topology.py); each has a `<queue>.dlq` dead-letter queue.
  consumer_queues = ["gateway.sms", "gateway.sms_status", "gateway.accounts", "gateway.scheduling", "gateway.eligibility", "gateway.email"]
}
