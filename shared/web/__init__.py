"""aiohttp building blocks every role shares: app keys, middlewares, problems, health, serving."""
