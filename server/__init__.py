"""The HTTP face of ShopAssist: FastAPI app, routers, the web chat page and the CLI."""
