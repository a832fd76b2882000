# Gaussian-process regression with an RBF kernel: the log marginal likelihood through a Cholesky
# factor, its hyperparameters fitted with Adam, and the posterior mean and variance.
import math

import torch

torch.set_default_dtype(torch.float64)
x = torch.linspace(0, 5, 25).unsqueeze(1)
y = torch.sin(2 * x).squeeze(1) + 0.1 * torch.cos(7 * x).squeeze(1)
x_test = torch.linspace(0, 5, 7).unsqueeze(1)

log_lengthscale = torch.tensor(0.0, requires_grad=True)
log_signal = torch.tensor(0.0, requires_grad=True)
log_noise = torch.tensor(-2.0, requires_grad=True)


def kernel(a, b):
    return torch.exp(2 * log_signal) * torch.exp(-0.5 * torch.cdist(a, b) ** 2 / torch.exp(2 * log_lengthscale))


def negative_log_marginal_likelihood():
    K = kernel(x, x) + torch.exp(2 * log_noise) * torch.eye(len(x))
    L = torch.linalg.cholesky(K)
    alpha = torch.cholesky_solve(y.unsqueeze(1), L)
    return (0.5 * (y.unsqueeze(1) * alpha).sum() + torch.log(torch.diagonal(L)).sum()
            + 0.5 * len(x) * math.log(2 * math.pi))


optimizer = torch.optim.Adam([log_lengthscale, log_signal, log_noise], lr=0.05)
for step in range(60):
    optimizer.zero_grad()
    loss = negative_log_marginal_likelihood()
    loss.backward()
    optimizer.step()
    if step % 15 == 0:
        print(f"step {step} nll {loss.item():.6f}")
print(f"lengthscale {log_lengthscale.exp().item():.5f} signal {log_signal.exp().item():.5f} "
      f"noise {log_noise.exp().item():.5f}")

with torch.no_grad():
    K = kernel(x, x) + torch.exp(2 * log_noise) * torch.eye(len(x))
    L = torch.linalg.cholesky(K)
    K_s = kernel(x, x_test)
    mean = K_s.T @ torch.cholesky_solve(y.unsqueeze(1), L)
    v = torch.linalg.solve_triangular(L, K_s, upper=False)
    variance = torch.diagonal(kernel(x_test, x_test)) - (v ** 2).sum(0)
    print("mean", [f"{m:.5f}" for m in mean.squeeze(1).tolist()])
    print("std", [f"{s:.5f}" for s in variance.clamp_min(0).sqrt().tolist()])
    print("logdet", f"{torch.logdet(K).item():.6f}", f"{2 * torch.log(torch.diagonal(L)).sum().item():.6f}")
