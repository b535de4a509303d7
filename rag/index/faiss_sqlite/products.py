"""The product filter of the FAISS + SQLite backend: product facts as in-memory columns."""

from __future__ import annotations

import numpy as np

from rag.filters import Filters


class ProductColumns:
    """Product facts as numpy columns, for filters that must stay fast at a million products."""

    def __init__(self, products: list[tuple]):
        rows, categories, brands, prices, in_stock = zip(*products) if products else ((),) * 5
        self.rows = np.asarray(rows, dtype=np.int64)
        self.categories, self.category_codes = np.unique([(c or "").lower() for c in categories], return_inverse=True)
        self.brands, self.brand_codes = np.unique([(b or "").lower() for b in brands], return_inverse=True)
        self.prices = np.asarray([np.nan if p is None else p for p in prices], dtype=np.float64)
        self.in_stock = np.asarray(in_stock, dtype=bool)

    def matching(self, filters: Filters, check_stock: bool) -> list[int]:
        keep = np.ones(len(self.rows), dtype=bool)
        if filters.category is not None:  # "jacket" matches "Jackets" and "Rain Jackets"
            wanted = [i for i, name in enumerate(self.categories) if filters.category.lower() in name]
            keep &= np.isin(self.category_codes, wanted)
        if filters.brand is not None:
            keep &= np.isin(self.brand_codes, np.flatnonzero(self.brands == filters.brand.lower()))
        with np.errstate(invalid="ignore"):  # an unknown price matches no price filter
            if filters.min_price is not None:
                keep &= self.prices >= filters.min_price
            if filters.max_price is not None:
                keep &= self.prices <= filters.max_price
        if check_stock:
            keep &= self.in_stock
        return self.rows[keep].tolist()
