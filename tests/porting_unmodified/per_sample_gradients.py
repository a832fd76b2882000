# Per-sample gradients with torch.func (PyTorch's tutorial): functional_call, grad and vmap,
# checked against a loop of ordinary backward passes.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.func import functional_call, grad, vmap


class SimpleMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = nn.Linear(6, 8)
        self.fc2 = nn.Linear(8, 3)

    def forward(self, x):
        return self.fc2(F.relu(self.fc1(x)))


model = SimpleMLP()
with torch.no_grad():  # fixed weights instead of the random initialisation
    for i, param in enumerate(model.parameters()):
        param.copy_(torch.sin(torch.arange(param.numel(), dtype=torch.float32) * 0.9 + i).reshape(param.shape) * 0.4)
data = torch.cos(torch.arange(10 * 6, dtype=torch.float32) * 0.3).reshape(10, 6)
targets = torch.arange(10) % 3


def compute_grad(sample, target):
    loss = F.cross_entropy(model(sample.unsqueeze(0)), target.unsqueeze(0))
    return torch.autograd.grad(loss, list(model.parameters()))


loop_grads = [compute_grad(data[i], targets[i]) for i in range(10)]
loop_grads = [torch.stack(shards) for shards in zip(*loop_grads)]

params = {k: v.detach() for k, v in model.named_parameters()}
buffers = {k: v.detach() for k, v in model.named_buffers()}


def compute_loss(params, buffers, sample, target):
    predictions = functional_call(model, (params, buffers), (sample.unsqueeze(0),))
    return F.cross_entropy(predictions, target.unsqueeze(0))


ft_compute_sample_grad = vmap(grad(compute_loss), in_dims=(None, None, 0, 0))
ft_per_sample_grads = ft_compute_sample_grad(params, buffers, data, targets)
for name, expected in zip(params, loop_grads):
    got = ft_per_sample_grads[name]
    print(name, list(got.shape), torch.allclose(got, expected, atol=1e-6), f"{got.abs().sum().item():.5f}")
