"""Stage 2: symbolic results from an expression — variables, the operation graph, gradient, Hessian."""
