# torch.autograd.functional: the Jacobian and Hessian of small functions, and vector products.
import torch
from torch.autograd.functional import hessian, hvp, jacobian, jvp, vjp


def f(x):
    return torch.stack([x[0] ** 2 * x[1], torch.sin(x[1]) + x[2] * x[0], (x ** 3).sum()])


def energy(x):
    return (x[0] * x[1]) ** 2 + torch.exp(x[2]) * x[0]


x = torch.tensor([0.5, -1.0, 2.0])
v = torch.tensor([1.0, 0.5, -0.25])
J = jacobian(f, x)
H = hessian(energy, x)
print("jacobian", [f"{value:.5f}" for value in J.flatten().tolist()])
print("hessian", [f"{value:.5f}" for value in H.flatten().tolist()])
_, Jv = jvp(f, x, v)
_, vJ = vjp(f, x, v)
_, Hv = hvp(energy, x, v)
print("jvp", [f"{value:.5f}" for value in Jv.tolist()], torch.allclose(Jv, J @ v))
print("vjp", [f"{value:.5f}" for value in vJ.tolist()], torch.allclose(vJ, v @ J))
print("hvp", [f"{value:.5f}" for value in Hv.tolist()], torch.allclose(Hv, H @ v))
