# Full-batch L-BFGS with a strong-Wolfe line search: a logistic regression and the Rosenbrock function.
import numpy as np
import torch

rng = np.random.RandomState(0)
X = torch.tensor(rng.randn(200, 3), dtype=torch.float32)
true_w = torch.tensor([1.5, -2.0, 0.5])
y = (X @ true_w + 0.3 + torch.tensor(rng.randn(200), dtype=torch.float32) > 0).float()

model = torch.nn.Linear(3, 1)
with torch.no_grad():
    model.weight.zero_()
    model.bias.zero_()
loss_fn = torch.nn.BCEWithLogitsLoss()
optimizer = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=20, history_size=10,
                              line_search_fn="strong_wolfe")


def closure():
    optimizer.zero_grad()
    loss = loss_fn(model(X).squeeze(1), y) + 1e-2 * model.weight.pow(2).sum()
    loss.backward()
    return loss


for step in range(3):
    loss = optimizer.step(closure)
    print(f"step {step} loss {loss.item():.5f}")
print(f"final loss {closure().item():.5f}")
print("weight", [f"{w:.4f}" for w in model.weight.detach().squeeze(0).tolist()], f"bias {model.bias.item():.4f}")

xy = torch.tensor([-1.5, 2.0], dtype=torch.float64, requires_grad=True)
optimizer = torch.optim.LBFGS([xy], lr=1, max_iter=100, line_search_fn="strong_wolfe",
                              tolerance_grad=1e-9, tolerance_change=1e-12)


def rosenbrock():
    optimizer.zero_grad()
    loss = (1 - xy[0]) ** 2 + 100 * (xy[1] - xy[0] ** 2) ** 2
    loss.backward()
    return loss


optimizer.step(rosenbrock)
print(f"rosenbrock minimum at {xy[0].item():.6f} {xy[1].item():.6f}, value {rosenbrock().item():.8f}")
print("function evaluations", optimizer.state[xy]["func_evals"],
      "iterations", optimizer.state[xy]["n_iter"])
