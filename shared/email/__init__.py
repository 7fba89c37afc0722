"""Email to people: the `email_messages` rows the bff queues and the gateway worker sends."""
