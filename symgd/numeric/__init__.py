"""Stage 3: compiled functions — generated code per backend, data binding, fused descent loops."""
