"""The HTTP edges shared by the API and the pages: the request unit of work, problem details,
middleware, rate limits."""
