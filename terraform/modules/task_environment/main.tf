# What each container is given: its plain environment and its secrets (ECS `secrets`, one JSON key
# of a Secrets Manager secret each). This is the ONE place the names are listed. It creates no
# resource, so tests/deploy/ renders it with `terraform apply` (no credentials) and starts every
# role with exactly these variables, and terraform/tests/ checks the task definitions use it.
#
# Which role gets what: shared/settings.py is one class for every process, and in staging and
# production it refuses to start without every provider URL and every secret (placeholders and
# local defaults are refused), whether or not the role uses it. So every role, migrate and ops
# get the same set; only PORT and NEW_RELIC_APP_NAME differ. Narrowing a role's set (say, the
# SMS token out of the bff) needs per-role settings in the code first.

variable "environment" {
  description = "APP_ENV: staging or production."
  type        = string
}

variable "region" {
  description = "AWS_REGION."
  type        = string
}

variable "roles" {
  description = "Long-running role => its port (PORT)."
  type        = map(number)
}

variable "files_bucket" {
  description = "FILES_BUCKET: eligibility files and their reports."
  type        = string
}

variable "gateway_internal_url" {
  description = "GATEWAY_INTERNAL_URL: the gateway's internal API as the bff reaches it (Service Connect)."
  type        = string
}

variable "public_webhook_base_url" {
  description = "PUBLIC_WEBHOOK_BASE_URL: what providers call (https://hooks.<domain>); signatures cover it."
  type        = string
}

variable "webapp_base_url" {
  description = "WEBAPP_BASE_URL: the advisor console's public URL (links in emails)."
  type        = string
}

variable "email_from_address" {
  description = "EMAIL_FROM_ADDRESS: sender of sign-up emails (an SES-verified identity)."
  type        = string
}

variable "sms" {
  description = "SMS provider (Twilio): SMS_BASE_URL, SMS_ACCOUNT_SID, SMS_FROM_NUMBER."
  type        = object({ base_url = string, account_sid = string, from_number = string })
}

variable "aggregation" {
  description = "Aggregation provider (Plaid): AGGREGATION_BASE_URL, AGGREGATION_CLIENT_ID."
  type        = object({ base_url = string, client_id = string })
}

variable "scheduling" {
  description = "Scheduling provider (Calendly): SCHEDULING_BASE_URL, SCHEDULING_ORGANIZATION_URI."
  type        = object({ base_url = string, organization_uri = string })
}

variable "secret_arns" {
  description = "Secrets Manager secrets: app (ours), sms, aggregation and scheduling (the providers')."
  type        = object({ app = string, sms = string, aggregation = string, scheduling = string })
}

variable "ops_secret_arns" {
  description = "Only the ops task's: the RDS master secret, the broker admin secret, and the ops-input secret (stdin of a command)."
  type        = object({ database_admin = string, broker_admin = string, ops_input = string })
}

variable "broker_management_url" {
  description = "BROKER_MANAGEMENT_URL (ops task only): the broker's management API, where application users are made."
  type        = string
}

variable "sentry_enabled" {
  description = "Inject SENTRY_DSN (the app secret must then hold a real DSN)."
  type        = bool
}

variable "new_relic_enabled" {
  description = "Inject NEW_RELIC_LICENSE_KEY (the app secret must then hold a real key)."
  type        = bool
}

variable "shutdown_timeout_seconds" {
  description = "SHUTDOWN_TIMEOUT_SECONDS."
  type        = number
}

variable "drain_seconds" {
  description = "DRAIN_SECONDS."
  type        = number
}

variable "non_relaying_roles" {
  description = "Roles started with OUTBOX_RELAY_ENABLED=false (their outbox rows are published by the others)."
  type        = list(string)
  default     = []
  validation {
    condition     = length(setsubtract(keys(var.roles), var.non_relaying_roles)) > 0
    error_message = "At least one role must relay the outbox, or no event is ever published."
  }
}

variable "log_level" {
  description = "LOG_LEVEL."
  type        = string
  default     = "INFO"
}

locals {
  # JSON keys of each secret. ECS refuses to start a task whose secret lacks a key it names, so
  # optional observability keys are injected only when switched on.
  secret_keys = {
    app = concat(
      [
        "DATABASE_URL",
        "AMQP_URL",
        "INTERNAL_SERVICE_TOKEN",
        "OPS_PASSWORD",
        "ACCESS_TOKEN_ENCRYPTION_KEYS",
        "MFA_SECRET_ENCRYPTION_KEYS",
      ],
      var.sentry_enabled ? ["SENTRY_DSN"] : [],
      var.new_relic_enabled ? ["NEW_RELIC_LICENSE_KEY"] : [],
    )
    sms         = ["SMS_AUTH_TOKEN"]
    aggregation = ["AGGREGATION_SECRET"]
    scheduling  = ["SCHEDULING_API_TOKEN", "SCHEDULING_WEBHOOK_SIGNING_KEY"]
  }

  secrets = flatten([
    for secret, keys in local.secret_keys : [
      for key in keys : { name = key, valueFrom = "${var.secret_arns[secret]}:${key}::" }
    ]
  ])

  # The ops task alone may create the database and broker application users (first deploy,
  # password rotation) and reads a command's stdin from the ops-input secret.
  ops_secrets = [
    { name = "DATABASE_ADMIN_USERNAME", valueFrom = "${var.ops_secret_arns.database_admin}:username::" },
    { name = "DATABASE_ADMIN_PASSWORD", valueFrom = "${var.ops_secret_arns.database_admin}:password::" },
    { name = "BROKER_ADMIN_USERNAME", valueFrom = "${var.ops_secret_arns.broker_admin}:username::" },
    { name = "BROKER_ADMIN_PASSWORD", valueFrom = "${var.ops_secret_arns.broker_admin}:password::" },
    { name = "OPS_STDIN", valueFrom = "${var.ops_secret_arns.ops_input}:OPS_STDIN::" },
  ]

  common = {
    APP_ENV                     = var.environment
    AWS_REGION                  = var.region
    LOG_LEVEL                   = var.log_level
    SHUTDOWN_TIMEOUT_SECONDS    = tostring(var.shutdown_timeout_seconds)
    DRAIN_SECONDS               = tostring(var.drain_seconds)
    FILES_BUCKET                = var.files_bucket
    GATEWAY_INTERNAL_URL        = var.gateway_internal_url
    PUBLIC_WEBHOOK_BASE_URL     = var.public_webhook_base_url
    WEBAPP_BASE_URL             = var.webapp_base_url
    EMAIL_FROM_ADDRESS          = var.email_from_address
    SMS_BASE_URL                = var.sms.base_url
    SMS_ACCOUNT_SID             = var.sms.account_sid
    SMS_FROM_NUMBER             = var.sms.from_number
    AGGREGATION_BASE_URL        = var.aggregation.base_url
    AGGREGATION_CLIENT_ID       = var.aggregation.client_id
    SCHEDULING_BASE_URL         = var.scheduling.base_url
    SCHEDULING_ORGANIZATION_URI = var.scheduling.organization_uri
    # glibc gives each thread that allocates a heap of its own; the gateway worker's COPY and
    # S3 threads held ~5 MB of a 50 MB roster's peak in theirs (bench.eligibility). Every
    # Python role is one event loop plus a few helper threads: two heaps serve them all.
    MALLOC_ARENA_MAX = "2"
  }

  per_container = merge(
    {
      for role, port in var.roles : role => merge(local.common, {
        PORT                 = tostring(port)
        NEW_RELIC_APP_NAME   = "origin-${role} (${var.environment})"
        OUTBOX_RELAY_ENABLED = contains(var.non_relaying_roles, role) ? "false" : "true"
      })
    },
    # One-shot commands (shared.ops) load the same settings; they serve no port.
    {
      migrate = local.common
      ops     = merge(local.common, { BROKER_MANAGEMENT_URL = var.broker_management_url })
    },
  )

  containers = {
    for name, environment in local.per_container : name => {
      environment = [for key in sort(keys(environment)) : { name = key, value = environment[key] }]
      secrets     = name == "ops" ? concat(local.secrets, local.ops_secrets) : local.secrets
    }
  }
}

output "containers" {
  description = "Role (and migrate, ops) => {environment, secrets} in ECS container-definition form."
  value       = local.containers
}

output "names" {
  description = "Role (and migrate, ops) => {environment, secrets}: the variable names only, sorted."
  value = {
    for name, container in local.containers : name => {
      environment = sort([for item in container.environment : item.name])
      secrets     = sort([for item in container.secrets : item.name])
    }
  }
}

output "secret_keys" {
  description = "Secret (app, sms, aggregation, scheduling) => the JSON keys it must hold."
  value       = local.secret_keys
}

output "secret_arns" {
  description = "Every secret some container reads (the execution role may read these only)."
  value = distinct(concat(
    [for secret, keys in local.secret_keys : var.secret_arns[secret]],
    values(var.ops_secret_arns),
  ))
}

output "liveness_command" {
  description = "Container health check: GET /livez (alive, whatever the dependencies do; `/` is readiness)."
  value = [
    "CMD", "python", "-c",
    "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ['PORT'], timeout=2)",
  ]
}
