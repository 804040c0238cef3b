"""symgd inside other frameworks' programs: torch autograd Functions and Modules (``symgd.interop.torch``)."""
