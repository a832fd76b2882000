# A custom autograd Function (PyTorch's tutorial ReLU) inside a small fit of y = sin(x).
import math

import torch


class MyReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input


dtype = torch.float64
x = torch.linspace(-math.pi, math.pi, 200, dtype=dtype).reshape(-1, 1)
y = torch.sin(x)
w1 = torch.linspace(-1, 1, 16, dtype=dtype).reshape(1, 16).requires_grad_()
b1 = torch.linspace(-0.5, 0.5, 16, dtype=dtype).requires_grad_()
w2 = torch.cos(torch.arange(16, dtype=dtype)).reshape(16, 1).requires_grad_()
learning_rate = 1e-2
for t in range(500):
    y_pred = MyReLU.apply(x @ w1 + b1) @ w2
    loss = (y_pred - y).pow(2).mean()
    if t % 100 == 99:
        print(t, f"{loss.item():.8f}")
    loss.backward()
    with torch.no_grad():
        for p in (w1, b1, w2):
            p -= learning_rate * p.grad
            p.grad = None
(g,) = torch.autograd.grad(MyReLU.apply(x @ w1 + b1).sum(), w1)
print("grad norm", f"{g.norm().item():.6f}")
