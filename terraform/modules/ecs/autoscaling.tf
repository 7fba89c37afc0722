# Service autoscaling. The public roles follow CPU and ALB requests per target; the worker follows
# its backlog (ready messages in its queues, from Amazon MQ's metrics) per running task. The
# scheduler keeps its count: every replica runs every job and each slot runs once, so more
# replicas add no throughput (they are for availability).
#
# Fargate places a service's tasks across the subnets it is given, balancing the zones; with the
# two private subnets and min >= 2 (production), each zone runs at least one task.

locals {
  public_roles = { for role, spec in var.roles : role => spec if spec.public }
}

resource "aws_appautoscaling_target" "role" {
  for_each           = var.roles
  service_namespace  = "ecs"
  scalable_dimension = "ecs:service:DesiredCount"
  resource_id        = "service/${aws_ecs_cluster.this.name}/${aws_ecs_service.role[each.key].name}"
  min_capacity       = var.autoscaling[each.key].min
  max_capacity       = var.autoscaling[each.key].max
}

resource "aws_appautoscaling_policy" "cpu" {
  for_each           = local.public_roles
  name               = "${var.name}-${each.key}-cpu"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.role[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.role[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.role[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_targets.cpu_percent
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ECSServiceAverageCPUUtilization"
    }
  }
}

resource "aws_appautoscaling_policy" "requests" {
  for_each           = local.public_roles
  name               = "${var.name}-${each.key}-requests"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.role[each.key].service_namespace
  scalable_dimension = aws_appautoscaling_target.role[each.key].scalable_dimension
  resource_id        = aws_appautoscaling_target.role[each.key].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_targets.requests_per_target
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    predefined_metric_specification {
      predefined_metric_type = "ALBRequestCountPerTarget"
      resource_label         = "${var.alb_arn_suffix}/${var.target_group_arn_suffixes[each.key]}"
    }
  }
}

resource "aws_appautoscaling_policy" "worker_backlog" {
  name               = "${var.name}-gateway-worker-backlog"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.role["gateway-worker"].service_namespace
  scalable_dimension = aws_appautoscaling_target.role["gateway-worker"].scalable_dimension
  resource_id        = aws_appautoscaling_target.role["gateway-worker"].resource_id

  target_tracking_scaling_policy_configuration {
    target_value       = var.scaling_targets.messages_per_worker
    scale_in_cooldown  = 300
    scale_out_cooldown = 60

    customized_metric_specification {
      # Ready messages of every consumer queue...
      dynamic "metrics" {
        for_each = var.worker_queues
        content {
          id          = "q${metrics.key}"
          return_data = false
          metric_stat {
            stat = "Maximum"
            metric {
              namespace   = "AWS/AmazonMQ"
              metric_name = "MessageReadyCount"
              dimensions {
                name  = "Broker"
                value = var.mq_broker_name
              }
              dimensions {
                name  = "VirtualHost"
                value = "/"
              }
              dimensions {
                name  = "Queue"
                value = metrics.value
              }
            }
          }
        }
      }

      # ...over the worker's running tasks (min capacity >= 1, so never zero).
      metrics {
        id          = "tasks"
        return_data = false
        metric_stat {
          stat = "Average"
          metric {
            namespace   = "ECS/ContainerInsights"
            metric_name = "RunningTaskCount"
            dimensions {
              name  = "ClusterName"
              value = aws_ecs_cluster.this.name
            }
            dimensions {
              name  = "ServiceName"
              value = aws_ecs_service.role["gateway-worker"].name
            }
          }
        }
      }

      metrics {
        id          = "backlog_per_task"
        label       = "Ready messages per worker task"
        expression  = "SUM([${join(", ", [for index, _ in var.worker_queues : "q${index}"])}]) / tasks"
        return_data = true
      }
    }
  }
}
