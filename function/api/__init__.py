"""The execution API, framework-free: request parsing, responses, logs, the service."""
