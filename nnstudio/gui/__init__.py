"""How a person sees and touches a network: the only package that imports Qt."""
