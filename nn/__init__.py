"""deltagrad's networks: neurons, layers and MLPs built from `autograd.Value`s."""
