# Article 003, experiment 3: linear regression with nn.Linear, MSELoss and SGD.
import torch
from torch import nn, optim

x = torch.linspace(0, 1, 100).reshape(-1, 1)
y = 4 * x + 0.6
model = nn.Linear(1, 1)
with torch.no_grad():
    model.weight.fill_(0.5)
    model.bias.zero_()
criterion = nn.MSELoss()
optimizer = optim.SGD(model.parameters(), lr=0.1)
for step in range(300):
    optimizer.zero_grad()
    loss = criterion(model(x), y)
    loss.backward()
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step} loss {loss.item():.6f}")
print(f"w {model.weight.item():.5f} b {model.bias.item():.5f}")
print(f"predict(2.0) {model(torch.tensor([[2.0]])).item():.5f}")
