"""ShopAssist core: models, index store, retrieval, generation and grounding."""
