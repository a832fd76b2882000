"""Function transforms in the style of torch.func and JAX: grad, value_and_grad, vjp, jvp,
jacobian (jacrev, jacfwd), hessian and hvp, built on the engine's grad(create_graph=True).

Kinds. A transform accepts Tensors, NumPy arrays and Python numbers (and tuples, lists and
dicts of them) and answers in the kind it was given: a derivative has the kind of its input
(Tensor, ndarray, or float: a float for a 0-d result of a Python-number input), and values
(f's output, aux, jvps) are Tensors when any argument is a Tensor, else floats (0-d) or
ndarrays. Arrays and numbers are differentiated as float64 Tensors. `ag.Scalar` inputs are
supported by grad, value_and_grad and grad_and_value, which then run on the Scalar engine;
Scalar graphs record first derivatives only, so these do not nest (use floats to nest).

Purity and nesting. A transform differentiates at fresh leaves, so it is a pure function
of its inputs: a Tensor input is used through `detach()`. The exception is what makes
`grad(grad(f))` work: when grad mode is on and an input Tensor already requires grad (it is
an outer transform's variable, or a user's parameter), the transform differentiates with
respect to a `clone()` of it instead, keeping the graph back to the original, and runs its
backward pass with create_graph=True, so its results can be differentiated again by the
outer transform (or by `.backward()`, as torch.func composes with torch.autograd). The clone
is a node of its own, so an inner transform's variable is never confused with an outer
one's even when they are the same tensor (d/dx [x * d/dy (x y)] at y = x is 2x, not 4x).
Under `no_grad` every input is detached and results carry no graph. f always runs with grad
mode on, so transforms ignore an enclosing `no_grad` (as torch.func does).

Beside them: vmap (vmap.py: a loop over the batch that stacks the results, so it composes
with everything above), functional_call (stateless.py: a module run with given tensors for
its parameters and buffers), and `functional` (functional.py: torch.autograd.functional's
jacobian, hessian, vjp, jvp, hvp and vhp over these transforms, reached as
`autograd.autograd.functional`).

How each is computed (vmap is a loop, so Jacobians are built one backward pass at a time):
    grad / vjp      one backward pass over one forward pass.
    jvp             the double-vjp trick: g(u) = J^T u is built with create_graph=True for a
                    dummy cotangent u, and J v = d<g(u), v>/du is a second backward pass.
    jacobian/jacrev rows: one forward pass, then one backward pass per output element over
                    the retained graph; a 1-element output needs just one, and every
                    argument's rows come from the same pass.
    jacfwd          columns: g(u) = J^T u built once, then one backward pass of g per input
                    element (cheaper than jacrev when inputs are fewer than outputs).
    hessian         jacrev(jacrev(f)).
    hvp             reverse-over-reverse: grad of <grad f(x), v>, which is H v because a
                    Hessian is symmetric (f twice continuously differentiable).
"""
from .gradients import grad, grad_and_value, jvp, value_and_grad, vjp
from .jacobians import hessian, hvp, jacfwd, jacobian, jacrev
from .stateless import functional_call
from .vmap import vmap

__all__ = ["grad", "value_and_grad", "grad_and_value", "vjp", "jvp", "jacobian", "jacrev", "jacfwd",
           "hessian", "hvp", "vmap", "functional_call"]
