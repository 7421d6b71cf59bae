"""The account, its credits, the catalog, prices, purchases and invoices: /api/v1/account,
/credits, /catalog, /countries, /estimate, /quotes, /invoices."""
