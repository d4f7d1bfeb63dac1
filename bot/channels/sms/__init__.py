"""SMS: providers (GatewayAPI, Twilio, console), their webhooks, and the text rules."""
