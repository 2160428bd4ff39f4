"""Demo tenants' data and knowledge, as pure Python (no Django import)."""
