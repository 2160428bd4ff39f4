"""Thin adapters to outside services (embeddings, vector store), behind small interfaces."""
