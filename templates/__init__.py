"""Data of the product: interview guides and letter templates (no code lives here)."""
