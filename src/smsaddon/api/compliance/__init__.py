"""The A2P 10DLC registration and the audit log: /api/v1/registration, /api/v1/audit."""
