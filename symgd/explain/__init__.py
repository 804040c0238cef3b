"""Stage 2b: explanations a student can trust — verified step-by-step derivations, answer checking,
and the chain-rule graph at a point."""
