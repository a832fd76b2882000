# Learning-rate schedules: linear warm-up then cosine decay with SequentialLR, and OneCycleLR
# (with momentum cycling) driving SGD on a small regression.
import torch
from torch import nn, optim
from torch.optim.lr_scheduler import CosineAnnealingLR, LinearLR, OneCycleLR, SequentialLR

x = torch.linspace(-1, 1, 64).unsqueeze(1)
y = 3 * x ** 2 - x + 0.5


def make_model():
    model = nn.Sequential(nn.Linear(1, 16), nn.Tanh(), nn.Linear(16, 1))
    with torch.no_grad():
        for i, param in enumerate(model.parameters()):
            param.copy_(torch.sin(torch.arange(param.numel(), dtype=torch.float32) * 1.3 + i).reshape(param.shape) * 0.5)
    return model


model = make_model()
optimizer = optim.AdamW(model.parameters(), lr=0.05, weight_decay=0.01)
warmup = LinearLR(optimizer, start_factor=0.1, total_iters=5)
decay = CosineAnnealingLR(optimizer, T_max=25, eta_min=1e-4)
scheduler = SequentialLR(optimizer, schedulers=[warmup, decay], milestones=[5])
for epoch in range(30):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    if epoch % 3 == 0:
        print(f"epoch {epoch} lr {scheduler.get_last_lr()[0]:.6f} loss {loss.item():.6f}")

model = make_model()
optimizer = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
scheduler = OneCycleLR(optimizer, max_lr=0.2, total_steps=40, pct_start=0.3)
for step in range(40):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), y)
    loss.backward()
    optimizer.step()
    scheduler.step()
    if step % 5 == 0:
        group = optimizer.param_groups[0]
        print(f"step {step} lr {group['lr']:.6f} momentum {group['momentum']:.6f} loss {loss.item():.6f}")
print(f"final loss {nn.functional.mse_loss(model(x), y).item():.6f}")
