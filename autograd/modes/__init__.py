"""The modes: other ways to run the same table of local derivatives over a recorded graph.

- `forward`: forward mode, ṫ_j = Σ_{i∈↑j} (∂j/∂i) ṫ_i, its stepper and Jacobians.
- `higher`: gradients as graphs (create_graph=True), Hessians and Hessian-vector products.
- `compile`: the recorded graph as a straight-line Python program, replayed on new numbers.
"""
