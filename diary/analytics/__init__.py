"""Clinical analytics: pure, typed functions over the raw diary facts (see shared clinical docs)."""
